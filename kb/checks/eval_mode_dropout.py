"""eval-mode-dropout: a model used for inference is still in train mode with dropout active."""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    INFERENCE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    finding,
    model_precondition,
    sample,
    unwrap,
)

ENTRY = "eval-mode-dropout"
PHASE = INFERENCE
FIX = "Call model.eval() before inference (and model.train() again before training)."
# Config fields that become functional dropout in train mode (no nn.Dropout module to see).
CONFIG_DROPOUTS = (
    "attention_dropout",
    "hidden_dropout",
    "dropout",
    "attention_probs_dropout_prob",
    "hidden_dropout_prob",
    "resid_pdrop",
    "embd_pdrop",
    "attn_pdrop",
    "classifier_dropout",
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    model = unwrap(ctx.model)
    in_train = [name or "<root>" for name, module in model.named_modules() if module.training]
    if not in_train:
        return finding(ENTRY, NOT_CONFIRMED, "every module is in eval mode", fix=FIX)
    active = [
        f"{name or '<root>'}: {type(module).__name__}(p={module.p})"
        for name, module in model.named_modules()
        if module.training and _is_dropout(module) and float(module.p) > 0
    ]
    config = getattr(base_model_of(model), "config", None)
    active += [
        f"config.{key}={getattr(config, key)} (functional dropout in train mode)"
        for key in CONFIG_DROPOUTS
        if isinstance(getattr(config, key, None), (int, float)) and float(getattr(config, key)) > 0 and model.training
    ]
    if active:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(in_train)} modules are in train mode and {len(active)} dropouts are active",
            sample(active),
            FIX,
            note="outputs change from call to call and are worse than in eval mode",
        )
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        f"{len(in_train)} modules are in train mode, but every dropout has p=0",
        sample(in_train, 3),
        FIX,
        note="outputs are deterministic now; call model.eval() anyway (other layers, e.g. BatchNorm, differ)",
    )


def _is_dropout(module: Any) -> bool:
    return hasattr(module, "p") and "Dropout" in type(module).__name__
