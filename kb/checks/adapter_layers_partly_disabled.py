"""Check for adapter-layers-partly-disabled: some adapter layers are disabled and others enabled.

Every PEFT tuner layer (``BaseTunerLayer``) carries its own ``disable_adapters`` flag;
``PeftModel.get_model_status().enabled`` is ``"irregular"`` when the flags disagree, and
``disable_adapter()`` then warns and re-enables them all on exit. The same flags are read here.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    model_precondition,
    sample,
    unwrap,
)

ENTRY = "adapter-layers-partly-disabled"
FIX = (
    "Switch all adapter layers together: model.base_model.enable_adapter_layers() (or disable_adapter_layers()), "
    "or use `with model.disable_adapter():` for a base-model pass instead of per-layer enable_adapters(False)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    enabled: list[str] = []
    disabled: list[str] = []
    for name, module in unwrap(ctx.model).named_modules():
        flag = _disabled_flag(module)
        if flag is None:
            continue
        (disabled if flag else enabled).append(name)
    if not enabled and not disabled:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter layers on this model")
    counts = f"{len(enabled)} adapter layers enabled, {len(disabled)} disabled"
    if enabled and disabled:
        evidence = [counts]
        evidence += sample([f"disabled: {name}" for name in disabled], 3)
        evidence += sample([f"enabled: {name}" for name in enabled], 3)
        return finding(ENTRY, CONFIRMED, "some adapter layers are enabled and others disabled", evidence, FIX)
    return finding(ENTRY, NOT_CONFIRMED, "all adapter layers are in the same state", [counts], FIX)


def _disabled_flag(module: Any) -> bool | None:
    """A tuner layer's own ``disable_adapters`` flag (``BaseTunerLayer._disable_adapters``), else None."""
    flag = vars(module).get("_disable_adapters")
    if flag is None or not hasattr(module, "base_layer"):
        return None
    return bool(flag)
