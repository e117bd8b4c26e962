"""target-modules-not-found: target_modules name layers this model does not have.

Counts, per pattern, the model's modules it matches (peft's rule: a name matches a module when it is
the module's full name or its last dotted part; a string is a full-match regex). When a name matches
nothing, the evidence lists the leaf names LoRA could wrap here, by layer type, so the right names are
one glance away (GPT-2's attention is a ``Conv1D`` named ``c_attn``, not a Linear ``q_proj``).
"""

from __future__ import annotations

import re
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
    read_model_config,
    sample,
    unwrap,
)

ENTRY = "target-modules-not-found"
FIX = (
    "Pick names from the adaptable layers listed (Conv1D layers, as in GPT-2, also need fan_in_fan_out=True), "
    'or target_modules="all-linear"'
)
# Layer classes LoRA can wrap, matched by class name along the MRO (no bitsandbytes import needed).
# Quantized linears come first: they subclass torch.nn.Linear but are reported under their own name.
ADAPTABLE = (
    "Linear4bit", "Linear8bitLt", "QuantLinear", "HQQLinear", "Conv1D", "Conv1d", "Conv2d", "Conv3d",
    "Embedding", "MultiheadAttention", "Linear",
)  # fmt: skip
NAMES_PER_TYPE = 12


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY) if ctx.model is not None else None
    if skip:
        return skip
    configs = {
        name: config for name, config in peft_configs(ctx).items() if config_value(config, "target_modules") is not None
    }  # fmt: skip
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter config with target_modules")
    if ctx.model is not None:
        model = base_model_of(unwrap(ctx.model))
    else:
        model = _meta_model(ctx.base_dir)
        if model is None:
            return finding(ENTRY, NOT_APPLICABLE, "no model (or base model config) to match the names against")
    names = [name for name, _ in own_modules(model)]
    counts, missing = [], []
    for adapter, config in configs.items():
        targets = config_value(config, "target_modules")
        if isinstance(targets, str):
            hits = sum(1 for name in names if re.fullmatch(targets, name))
            counts.append(f"[{adapter}] regex {targets!r}: {hits} modules")
            if not hits:
                missing.append(targets)
            continue
        for target in sorted(targets):
            if target == "all-linear":
                continue
            hits = sum(1 for name in names if name == target or name.endswith("." + target))
            counts.append(f"[{adapter}] {target}: {hits} modules")
            if not hits:
                missing.append(target)
    if missing:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(missing)} target_modules match no module: {', '.join(map(str, missing))}",
            [*counts, *adaptable_by_type(model)],
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "every target_modules entry matches a module", counts, FIX)


def adaptable_by_type(model: Any) -> list[str]:
    """One line per adaptable layer type: ``Conv1D (6): c_attn, c_fc, c_proj`` (leaf names, sorted)."""
    by_type: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for name, module in own_modules(model):
        kind = layer_type(module)
        if kind is not None:
            by_type.setdefault(kind, set()).add(name.rsplit(".", 1)[-1])
            counts[kind] = counts.get(kind, 0) + 1
    if not by_type:
        return ["no layer here that LoRA can wrap (Linear, Conv1D, Conv2d, Embedding, quantized Linear)"]
    return [
        f"{kind} ({counts[kind]}): {', '.join(sample(sorted(leaves), NAMES_PER_TYPE))}"
        for kind, leaves in sorted(by_type.items(), key=lambda item: ADAPTABLE.index(item[0]))
    ]


def layer_type(module: Any) -> str | None:
    """The adaptable type of a layer, by class name along its MRO; None when LoRA cannot wrap it.

    A LoRA wrapper (peft's ``lora.Linear``, which has ``base_layer``) is reported as its base layer.
    """
    base = getattr(module, "base_layer", None)
    if base is not None:
        return layer_type(base)
    for klass in type(module).__mro__:
        if klass.__name__ in ADAPTABLE:
            return klass.__name__
    return None


def _meta_model(base_dir: Any) -> Any:
    """The base model's structure built from its config on the meta device (no weights, no memory)."""
    config = read_model_config(base_dir)
    if config is None:
        return None
    import torch
    import transformers

    auto_config = transformers.AutoConfig.from_pretrained(base_dir, local_files_only=True)
    architecture = (config.get("architectures") or [None])[0]
    model_class: Any = getattr(transformers, architecture, None) if architecture else None
    with torch.device("meta"):
        if model_class is not None:
            return model_class(auto_config)
        auto_model: Any = transformers.AutoModel
        return auto_model.from_config(auto_config)
