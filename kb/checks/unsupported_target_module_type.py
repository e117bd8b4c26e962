"""unsupported-target-module-type: target_modules select a module LoRA has no layer for.

LoRA replaces each matched module with its LoRA layer for that type; only Linear, Embedding,
Conv1d/2d/3d, transformers' Conv1D, MultiheadAttention (and the quantized linears peft knows) have
one, so a name matching a whole block (``self_attn``, ``mlp``), a norm or a custom router raises
``Target module ... is not supported``. Names are matched with peft's own
``check_target_module_exists`` (exclusions, regex full match, layers_to_transform); types by class
name along the MRO, so no quantization library is imported. LoRA only: other methods wrap other types.
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

ENTRY = "unsupported-target-module-type"
FIX = (
    "Target the Linear (or Embedding/Conv) layers inside the block, e.g. "
    'target_modules=["q_proj", "k_proj", "v_proj", "o_proj"] instead of "self_attn", or target_modules="all-linear".'
)
SUPPORTED = (
    "Linear", "Embedding", "Conv1d", "Conv2d", "Conv3d", "Conv1D", "MultiheadAttention",
    "Linear4bit", "Linear8bitLt", "QuantLinear", "HQQLinear", "WQLinear_GEMM", "EetqLinear",
)  # fmt: skip


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: config
        for name, config in peft_configs(ctx).items()
        if config_value(config, "target_modules") is not None
        and str(getattr(config_value(config, "peft_type", "LORA"), "value", config_value(config, "peft_type", "LORA")))
        == "LORA"
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA config with target_modules")
    base = base_model_of(unwrap(ctx.model))
    modules = own_modules(base)
    unsupported: list[str] = []
    matched = 0
    for adapter, config in configs.items():
        targets = config_value(config, "target_modules")
        if targets == "all-linear" or (isinstance(targets, (list, set, tuple)) and "all-linear" in targets):
            continue  # peft expands it to the linear layers itself
        targeted = target_matcher(config)
        for name, module in modules:
            if not targeted(name):
                continue
            matched += 1
            if _supported(module) is None:
                unsupported.append(f"[{adapter}] {name}: {type(module).__name__}")
    evidence = [f"{matched} modules matched by target_modules"]
    if unsupported:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(unsupported)} matched modules are of a type LoRA cannot wrap",
            evidence + sample(unsupported),
            FIX,
        )
    if not matched:
        return finding(ENTRY, NOT_APPLICABLE, "target_modules match no module here (see target-modules-not-found)")
    return finding(ENTRY, NOT_CONFIRMED, "every matched module is of a type LoRA can wrap", evidence, FIX)


def _supported(module: Any) -> str | None:
    """The LoRA-wrappable type of a module (a LoRA wrapper: of its base layer), or None."""
    base = getattr(module, "base_layer", None)
    if base is not None:
        return _supported(base)
    for klass in type(module).__mro__:
        if klass.__name__ in SUPPORTED:
            return klass.__name__
    return None
