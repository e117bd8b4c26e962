"""Check for hotswap-adapters-incompatible: the adapter to swap in differs from the loaded one.

``hotswap_adapter`` first compares the configs (``check_hotswap_configs_compatible``: the PEFT
type and, for LoRA, ``use_rslora``, ``lora_dropout``, ``alpha_pattern``, ``use_dora``), then
refuses saved LoRA weights for layers the loaded adapter does not have. Both are compared here
between the model's active adapter and the adapter folder (``adapter_dir``) meant to replace it.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    active_adapter_names,
    adapter_weights_path,
    config_value,
    enum_text,
    finding,
    is_peft_model,
    lora_layers,
    model_precondition,
    read_adapter_config,
    sample,
    tensor_shapes,
    unwrap,
)

ENTRY = "hotswap-adapters-incompatible"
FIX = (
    "Hot-swap only adapters trained with the same use_rslora, lora_dropout, alpha_pattern and use_dora on the same "
    "(or fewer) layers; load any other adapter as a new one: model.load_adapter(path, adapter_name=...)."
)
LORA_KEYS = ("use_rslora", "lora_dropout", "alpha_pattern", "use_dora")


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    incoming = read_adapter_config(ctx.adapter_dir) if ctx.adapter_dir else None
    if not is_peft_model(model) or incoming is None:
        return finding(ENTRY, NOT_APPLICABLE, "needs a PeftModel with its adapter and the adapter folder to swap in")
    active = active_adapter_names(model)
    name = active[0] if active else next(iter(model.peft_config), None)
    if name not in model.peft_config:
        return finding(ENTRY, NOT_APPLICABLE, "no active adapter on this model")
    loaded = model.peft_config[name]
    old_type, new_type = enum_text(config_value(loaded, "peft_type")), enum_text(incoming.get("peft_type"))
    if old_type != "LORA":
        return finding(ENTRY, NOT_APPLICABLE, f"the loaded adapter is {old_type}: hot-swapping is for LoRA only")
    if new_type != old_type:
        problems = [f"peft_type: {old_type} loaded, {new_type} to swap in"]
    else:
        problems = _config_differences(loaded, incoming)
    layers = {layer_name for layer_name, _ in lora_layers(model)}
    weights = adapter_weights_path(ctx.adapter_dir or "")
    extra = sorted(_saved_layers(weights) - layers) if weights and layers else []
    problems += [f"no LoRA layer on the model for saved layer {layer}" for layer in extra]
    if problems:
        return finding(
            ENTRY,
            CONFIRMED,
            f"the adapter in {ctx.adapter_dir} cannot replace {name!r} by hot-swapping",
            sample(problems),
            FIX,
        )
    evidence = [f"compared with {name!r}: {', '.join(LORA_KEYS)} and the saved layers"]
    return finding(ENTRY, NOT_CONFIRMED, "the adapters are compatible for hot-swapping", evidence, FIX)


def _config_differences(loaded: Any, incoming: dict[str, Any]) -> list[str]:
    differences = []
    for key in LORA_KEYS:
        old, new = config_value(loaded, key), incoming.get(key)
        if (old or None) != (new or None):
            differences.append(f"{key}: {old!r} loaded, {new!r} to swap in")
    return differences


def _saved_layers(weights: str) -> set[str]:
    """The module names that the saved LoRA tensors belong to (``...q_proj.lora_A.weight`` → ``...q_proj``)."""
    return {key.split(".lora_", 1)[0] for key in tensor_shapes(weights) if ".lora_" in key}
