"""delete-merged-adapter: a layer still marks as merged an adapter that no longer exists.

``merge_adapter()`` adds the update into the base weights and records the adapter in each layer's
``merged_adapters``. peft up to 0.20.0 let ``delete_adapter`` remove the adapter's modules anyway
(0.21.0 refuses), so the update can never be subtracted: the "base" model (``disable_adapter()``,
other adapters) keeps the deleted adapter's effect. The trace is in the layers: a name in
``merged_adapters`` that none of the layer's adapter dicts (``lora_A``, ...) holds any more.
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
    is_peft_model,
    model_precondition,
    sample,
    unwrap,
)

ENTRY = "delete-merged-adapter"
FIX = (
    "Reload the base model and the adapters you keep (the base weights still hold the deleted update); "
    "next time unmerge_adapter() before delete_adapter(), or merge_and_unload() to keep the merged weights."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    if not is_peft_model(model):
        return finding(ENTRY, NOT_APPLICABLE, "not a PeftModel")
    layers = 0
    merged: set[str] = set()
    orphans: list[str] = []
    for name, module in model.named_modules():
        recorded = getattr(module, "merged_adapters", None)
        names = getattr(module, "adapter_layer_names", None)
        if not isinstance(recorded, list) or not isinstance(names, tuple):
            continue
        layers += 1
        present = _adapters_in(module, names)
        merged.update(recorded)
        orphans += [
            f"{name}: merged {adapter!r}, which it no longer has" for adapter in recorded if adapter not in present
        ]
    if not layers:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter layers")
    evidence = [
        f"{layers} adapter layers; merged adapters: {sorted(merged) or 'none'}; configs: {sorted(model.peft_config)}"
    ]
    if orphans:
        deleted = sorted({line.split("'")[1] for line in orphans})
        return finding(
            ENTRY,
            CONFIRMED,
            f"adapter {', '.join(deleted)} was deleted while merged: its update stays in the base weights",
            evidence + sample(orphans, 3),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "every merged adapter still exists in its layer", evidence, FIX)


def _adapters_in(module: Any, names: tuple[str, ...]) -> set[str]:
    """Adapter names held by any of the layer's adapter dicts (``lora_A``, ``lora_embedding_A``, ...)."""
    present: set[str] = set()
    for attr in names:
        container = getattr(module, attr, None)
        if container is not None and hasattr(container, "keys"):
            present.update(container.keys())
    return present
