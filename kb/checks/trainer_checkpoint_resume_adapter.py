"""trainer-checkpoint-resume-adapter: the folder to resume from has no weights where Trainer looks.

``Trainer._load_from_checkpoint`` accepts a folder that holds full-model weights (or their index),
``adapter_model.safetensors``/``.bin`` at its top, an FSDP checkpoint, or per-adapter subfolders one
level down with adapter weights; anything else is ``Can't find a valid checkpoint at ...``. This check
applies the same rule (transformers 4.45+) to ``TrainingArguments.resume_from_checkpoint`` and says
where the adapter weights really are.
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
    sample,
)

ENTRY = "trainer-checkpoint-resume-adapter"
PHASE = TRAINING
FIX = (
    "Resume from a checkpoint-N folder Trainer wrote itself (adapter weights at its top), or load the adapter with "
    "PeftModel.from_pretrained(base, path, is_trainable=True) and start a new run."
)
MODEL_WEIGHTS = (
    "pytorch_model.bin", "model.safetensors", "pytorch_model.bin.index.json", "model.safetensors.index.json",
)  # fmt: skip
FSDP_MODEL_NAME = "pytorch_model_fsdp"
MAX_WALK = 400  # folders visited looking for the adapter deeper down


def check(ctx: CheckContext) -> Finding:
    folder = _resume_folder(ctx)
    if folder is None:
        return finding(ENTRY, NOT_APPLICABLE, "no resume_from_checkpoint folder given (TrainingArguments or trainer)")
    if not os.path.isdir(folder):
        return finding(
            ENTRY, CONFIRMED, f"resume_from_checkpoint {folder} is not a folder", [f"cwd: {os.getcwd()}"], FIX
        )
    names = sorted(os.listdir(folder))
    evidence = [f"{folder} holds: {', '.join(sample(names, 8)) or 'nothing'}"]
    top = [name for name in (*MODEL_WEIGHTS, *ADAPTER_WEIGHTS) if name in names]
    fsdp = any(FSDP_MODEL_NAME in name for name in names)
    subdirs = [name for name in names if _has_adapter(os.path.join(folder, name))]
    if top or fsdp or subdirs:
        found = top or [f"{name}/ (per-adapter subfolder)" for name in subdirs] or ["an FSDP checkpoint"]
        return finding(ENTRY, NOT_CONFIRMED, f"Trainer finds {', '.join(found)}", evidence, FIX)
    deeper = _adapters_below(folder)
    evidence += sample(f"adapter weights deeper down: {os.path.relpath(path, folder)}/" for path in deeper)
    return finding(
        ENTRY,
        CONFIRMED,
        f"{folder} has no model or adapter weights at its top or one folder down, where Trainer looks",
        evidence,
        FIX,
    )


def _resume_folder(ctx: CheckContext) -> str | None:
    """``resume_from_checkpoint`` as a path (True means "the latest in output_dir": Trainer finds that itself)."""
    for args in (ctx.training_args, getattr(ctx.trainer, "args", None)):
        value: Any = getattr(args, "resume_from_checkpoint", None)
        if isinstance(value, str) and value:
            return value
    value = ctx.extra.get("resume_from_checkpoint")
    return value if isinstance(value, str) and value else None


def _has_adapter(folder: str) -> bool:
    return os.path.isdir(folder) and any(os.path.isfile(os.path.join(folder, name)) for name in ADAPTER_WEIGHTS)


def _adapters_below(folder: str) -> list[str]:
    """Folders two or more levels down that hold adapter weights (bounded walk)."""
    found = []
    for visited, (root, _, files) in enumerate(os.walk(folder)):
        if visited > MAX_WALK:
            break
        depth = os.path.relpath(root, folder).count(os.sep) + 1
        if root != folder and depth >= 2 and any(name in files for name in ADAPTER_WEIGHTS):
            found.append(root)
    return sorted(found)
