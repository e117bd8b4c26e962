"""target-modules-not-found: target_modules name layers this model does not have.

Counts, per pattern, the model's modules it matches (peft's rule: a name matches a module when it is
the module's full name or its last dotted part; a string is a full-match regex).
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
    peft_configs,
    read_model_config,
    sample,
    unwrap,
)

ENTRY = "target-modules-not-found"
FIX = "Pick names that exist in this model: print(sorted({n.rsplit('.', 1)[-1] for n, _ in model.named_modules()}))"
PEFT_PARTS = ("lora_", "base_layer", "modules_to_save", "original_module", "lora_dropout", "lora_magnitude")


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
        names = _module_names(base_model_of(unwrap(ctx.model)))
    else:
        model = _meta_model(ctx.base_dir)
        if model is None:
            return finding(ENTRY, NOT_APPLICABLE, "no model (or base model config) to match the names against")
        names = _module_names(model)
    leaves = sorted({name.rsplit(".", 1)[-1] for name in names})
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
            [*counts, "module names here: " + ", ".join(sample(leaves, 12))],
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "every target_modules entry matches a module", counts, FIX)


def _module_names(model: Any) -> list[str]:
    return [
        name
        for name, _ in model.named_modules()
        if name and not any(part.startswith(PEFT_PARTS) for part in name.split("."))
    ]


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
