"""conv1d-fan-in-fan-out: a LoraConfig's fan_in_fan_out does not fit the layers it targets.

transformers' ``Conv1D`` (GPT-2's ``c_attn``, ``c_proj``, ``c_fc``) stores its weight transposed, as
``(in_features, out_features)``, and ``LoraConfig.fan_in_fan_out`` (default False) tells LoRA so.
peft's ``dispatch_default`` corrects the flag on the config itself and warns (``fan_in_fan_out is set
to False but the target module is `Conv1D` ...``, or the reverse for ``torch.nn.Linear``), so the
mismatch lives in the config written by hand, before ``get_peft_model``: that is what is compared here
with the types of the modules it matches (peft's own ``check_target_module_exists``).
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
    finding,
    model_precondition,
    own_modules,
    peft_configs,
    sample,
    target_matcher,
    unwrap,
)

ENTRY = "conv1d-fan-in-fan-out"
FIX = "Set fan_in_fan_out=True when targeting Conv1D layers (c_attn, c_proj, c_fc), and False for Linear ones."


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: config
        for name, config in peft_configs(ctx).items()
        if isinstance(config_value(config, "fan_in_fan_out"), bool) and config_value(config, "target_modules")
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA config with target_modules and fan_in_fan_out")
    base = base_model_of(unwrap(ctx.model))
    modules = [(name, _layer_kind(module)) for name, module in own_modules(base)]
    wrong: list[str] = []
    evidence: list[str] = []
    for adapter, config in configs.items():
        flag = bool(config_value(config, "fan_in_fan_out"))
        targeted = target_matcher(config)
        kinds: dict[str, list[str]] = {}
        for name, kind in modules:
            if kind is not None and targeted(name):
                kinds.setdefault(kind, []).append(name)
        evidence.append(
            f"[{adapter}] fan_in_fan_out={flag}; targets: "
            + (", ".join(f"{len(names)} {kind}" for kind, names in sorted(kinds.items())) or "none matched")
        )
        misfit = kinds.get("Linear", []) if flag else kinds.get("Conv1D", [])
        wrong += [f"[{adapter}] {name} is {'Linear' if flag else 'Conv1D'}, fan_in_fan_out={flag}" for name in misfit]
    if wrong:
        return finding(
            ENTRY,
            CONFIRMED,
            f"fan_in_fan_out does not fit {len(wrong)} targeted layers (peft flips it and warns)",
            evidence + sample(wrong, 3),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "fan_in_fan_out fits the targeted layers", evidence, FIX)


def _layer_kind(module: Any) -> str | None:
    """``Conv1D`` (transformers'), ``Linear`` (torch's, quantized ones included) or None; LoRA wrappers by base."""
    while hasattr(module, "base_layer"):
        module = module.base_layer
    names = [klass.__name__ for klass in type(module).__mro__]
    if "Conv1D" in names:
        return "Conv1D"
    if "Linear" in names:
        return "Linear"
    return None
