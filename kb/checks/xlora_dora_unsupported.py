"""xlora-dora-unsupported: an X-LoRA config whose LoRA experts were trained with ``use_dora=True``.

X-LoRA's layers (``peft/tuners/xlora/layer.py``) raise at the first forward pass for any active expert
with DoRA. The check reads the ``use_dora`` flag of every expert the X-LoRA config lists (each saved
adapter_config.json) and, on a built X-LoRA model, of its LoRA layers.
"""

from __future__ import annotations

import os
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
    peft_configs,
    read_adapter_config,
    unwrap,
)

ENTRY = "xlora-dora-unsupported"
FIX = "Use LoRA experts trained without DoRA (use_dora=False) for X-LoRA, or retrain the DoRA experts as plain LoRA."


def check(ctx: CheckContext) -> Finding:
    configs = [
        config for config in peft_configs(ctx).values() if enum_text(config_value(config, "peft_type")) == "XLORA"
    ]
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no X-LoRA config")
    evidence: list[str] = []
    dora: list[str] = []
    for config in configs:
        for name, path in dict(config_value(config, "adapters") or {}).items():
            saved = read_adapter_config(str(path)) if os.path.isdir(str(path)) else None
            if saved is None:
                evidence.append(f"expert {name}: {path} (no local adapter_config.json)")
                continue
            evidence.append(f"expert {name}: use_dora={saved.get('use_dora', False)!r}")
            if saved.get("use_dora"):
                dora.append(str(name))
    dora.extend(_dora_layers(ctx.model))
    if dora:
        return finding(ENTRY, CONFIRMED, f"X-LoRA experts with DoRA: {sorted(set(dora))}", evidence, FIX)
    if not evidence:
        return finding(ENTRY, NOT_APPLICABLE, "no X-LoRA expert could be read")
    return finding(ENTRY, NOT_CONFIRMED, "no X-LoRA expert uses DoRA", evidence, FIX)


def _dora_layers(model: Any) -> list[str]:
    """Adapter names with DoRA on the LoRA layers of a built model (``use_dora`` per adapter)."""
    if model is None:
        return []
    names: set[str] = set()
    for _, module in base_model_of(unwrap(model)).named_modules():
        flags = getattr(module, "use_dora", None)
        if isinstance(flags, dict):
            names.update(str(name) for name, on in flags.items() if on)
    return sorted(names)
