"""trainer-peft-checkpoint-not-saved: the Trainer's best checkpoint holds no adapter file to load.

With ``load_best_model_at_end`` and a PEFT model, ``Trainer._load_best_model`` loads
``adapter_model.safetensors``/``.bin`` from ``state.best_model_checkpoint``. A folder with full-model
weights (``model.safetensors`` / ``pytorch_model.bin``) but no adapter file gets the warning "The
intermediate checkpoints of PEFT may not be saved correctly" and nothing is loaded: the run ends with
its last weights, not its best. The folder shows it.
"""

from __future__ import annotations

import os
from typing import Any

from .api import (
    ADAPTER_WEIGHTS,
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    TRAINING,
    CheckContext,
    Finding,
    finding,
    is_peft_model,
    sample,
    unwrap,
)

ENTRY = "trainer-peft-checkpoint-not-saved"
PHASE = TRAINING
FIX = (
    "Let Trainer save the checkpoints itself (no custom save or callback replacing adapter_model.safetensors), "
    "or load the best adapter yourself: PeftModel.from_pretrained(base, best_checkpoint)."
)
MODEL_WEIGHTS = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)


def check(ctx: CheckContext) -> Finding:
    folder = _best_checkpoint(ctx)
    if folder is None:
        return finding(ENTRY, NOT_APPLICABLE, "no Trainer with a best_model_checkpoint given")
    if ctx.model is not None and not is_peft_model(unwrap(ctx.model)):
        return finding(ENTRY, NOT_APPLICABLE, "the model is not a PeftModel: Trainer loads full weights")
    if not os.path.isdir(folder):
        return finding(ENTRY, NOT_APPLICABLE, f"best_model_checkpoint {folder} is not a folder here")
    names = sorted(os.listdir(folder))
    evidence = [f"best_model_checkpoint {folder} holds: {', '.join(sample(names, 8)) or 'nothing'}"]
    adapter = [name for name in ADAPTER_WEIGHTS if name in names]
    if adapter:
        return finding(ENTRY, NOT_CONFIRMED, f"the best checkpoint holds {adapter[0]}", evidence, FIX)
    full = [name for name in MODEL_WEIGHTS if name in names]
    if not full:
        return finding(ENTRY, NOT_APPLICABLE, "the best checkpoint holds neither adapter nor model weights", evidence)
    return finding(
        ENTRY,
        CONFIRMED,
        f"the best checkpoint holds {full[0]} but no adapter file, so the best adapter is not loaded at the end",
        evidence,
        FIX,
    )


def _best_checkpoint(ctx: CheckContext) -> str | None:
    state: Any = getattr(ctx.trainer, "state", None)
    value = getattr(state, "best_model_checkpoint", None) or ctx.extra.get("best_model_checkpoint")
    return value if isinstance(value, str) and value else None
