"""ia3-feedforward-unspecified: an IA3 config without feedforward_modules, and no IA3 defaults for this model.

With ``feedforward_modules=None`` peft looks ``config.model_type`` up in
``TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING`` (a model without a config counts as
``custom``) and raises when it is not there. The same table is read here, from the installed peft.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    config_value,
    enum_text,
    finding,
    model_precondition,
    model_type_of,
    peft_configs,
    unwrap,
)

ENTRY = "ia3-feedforward-unspecified"
FIX = (
    "Name the feed-forward layers among target_modules: "
    'IA3Config(target_modules=[..., "down_proj"], feedforward_modules=["down_proj"]) (an empty list if none are).'
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: config
        for name, config in peft_configs(ctx).items()
        if enum_text(config_value(config, "peft_type")) == "IA3" and config_value(config, "feedforward_modules") is None
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no IA3 adapter config without feedforward_modules")
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING as table

    model_type = model_type_of(base_model_of(unwrap(ctx.model)))
    evidence = [f"[{name}] IA3: feedforward_modules None" for name in configs]
    defaults = table.get(model_type)
    if defaults is None:
        evidence.append(f"no default feed-forward modules for model_type {model_type!r} in peft's IA3 table")
        return finding(
            ENTRY,
            CONFIRMED,
            f"feedforward_modules is not set and peft has no IA3 defaults for model_type {model_type!r}",
            evidence,
            FIX,
        )
    evidence.append(f"peft's IA3 default for {model_type!r}: {list(defaults)}")
    return finding(ENTRY, NOT_CONFIRMED, f"peft has default feed-forward modules for {model_type!r}", evidence, FIX)
