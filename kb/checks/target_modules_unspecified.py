"""target-modules-unspecified: no target_modules, and peft has no defaults for this model type.

With ``target_modules=None`` peft looks ``config.model_type`` up in the tuner's
``target_module_mapping`` (``TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING`` for LoRA; a model
without a config counts as ``custom``) and raises when it is not there and no
``target_parameters`` are given. The same table is read here, from the installed peft.
"""

from __future__ import annotations

from typing import Any

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

ENTRY = "target-modules-unspecified"
FIX = (
    'Name the layers to adapt: LoraConfig(target_modules=["q_proj", "v_proj"]) with names from '
    'model.named_modules(), or target_modules="all-linear".'
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: config
        for name, config in peft_configs(ctx).items()
        if config_value(config, "target_modules") is None and not config_value(config, "target_parameters")
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter config without target_modules")
    base = base_model_of(unwrap(ctx.model))
    model_type = model_type_of(base)
    evidence = [f"model: {type(base).__name__}, model_type {model_type!r}"]
    missing = []
    for name, config in configs.items():
        peft_type = enum_text(config_value(config, "peft_type", "LORA"))
        mapping = _default_targets(peft_type)
        if mapping is None:
            continue  # prompt learning and other methods without target modules
        defaults = mapping.get(model_type)
        if defaults is None:
            missing.append(name)
            evidence.append(f"[{name}] {peft_type}: target_modules None; no default for {model_type!r} in peft's table")
        else:
            evidence.append(f"[{name}] {peft_type}: target_modules None; peft's default here: {defaults}")
    if len(evidence) == 1:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter method here takes target_modules", evidence)
    if missing:
        return finding(
            ENTRY,
            CONFIRMED,
            f"target_modules is not set and peft has no default target modules for model_type {model_type!r}",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, f"peft has default target modules for {model_type!r}", evidence, FIX)


def _default_targets(peft_type: str) -> dict[str, Any] | None:
    """The tuner's model_type → default target modules table, or None when the method has none."""
    from peft import mapping

    tuners: dict[Any, Any] = getattr(mapping, "PEFT_TYPE_TO_TUNER_MAPPING", {})
    for key, tuner in tuners.items():
        if enum_text(key) == peft_type:
            table = getattr(tuner, "target_module_mapping", None)
            return dict(table) if table is not None else None
    return None
