"""Check for tied-embeddings-in-adapter: an adapter on a layer whose weight is tied to another layer's.

With ``tie_word_embeddings`` the input embedding and ``lm_head`` share one weight tensor. A LoRA
layer whose base weight is that shared tensor changes both layers when merged; PEFT warns unless
the adapter itself is tied (``ensure_weight_tying=True``, peft >= 0.18). Shared tensors are found
by identity here, so any tied pair counts, whatever the layers are called, except copies of one
layer at the same place in different blocks (``layers.1.q_proj`` and ``layers.2.q_proj``): that
sharing is ``layer_replication``'s (merge-replicated-layers-wrong-output), not a tie.
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
    base_weight,
    config_value,
    finding,
    lora_layers,
    model_precondition,
    peft_configs,
    sample,
    unwrap,
)

ENTRY = "tied-embeddings-in-adapter"
FIX = (
    "Untie the embeddings before adding the adapter (from_pretrained(..., tie_word_embeddings=False) and "
    "lm_head.weight = embed_tokens.weight.clone()), leave lm_head/embed_tokens out of target_modules, or set "
    "ensure_weight_tying=True (peft >= 0.18)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    layers = dict(lora_layers(model))
    if not layers:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA layers on this model")
    owners = _weight_owners(model, layers)
    tied = []
    for name, layer in layers.items():
        weight = base_weight(layer)
        others = [
            other
            for other in owners.get(id(weight), [])
            if other != name and not other.startswith(name + ".") and not _replicas(name, other)
        ]
        if weight is not None and others:
            tied.append(f"{name} (LoRA) shares its weight with {', '.join(others)}")
    if not tied:
        return finding(ENTRY, NOT_CONFIRMED, "no adapted layer shares its weight with another layer", (), FIX)
    ensured = [name for name, config in peft_configs(ctx).items() if config_value(config, "ensure_weight_tying")]
    evidence = [*sample(tied), f"ensure_weight_tying: {', '.join(ensured) or 'not set'}"]
    if ensured:
        return finding(ENTRY, NOT_CONFIRMED, "the adapters on the tied layers are tied too", evidence)
    return finding(ENTRY, CONFIRMED, "an adapter is on a layer whose weight is tied to another layer", evidence, FIX)


_BLOCK_INDEX = re.compile(r"\.\d+(?=\.|$)")


def _replicas(first: str, second: str) -> bool:
    """The same layer of two blocks (``model.layers.1.self_attn.q_proj`` / ``model.layers.2.self_attn.q_proj``)."""
    return _BLOCK_INDEX.sub(".#", first) == _BLOCK_INDEX.sub(".#", second)


def _weight_owners(model: Any, layers: dict[str, Any]) -> dict[int, list[str]]:
    """id(weight tensor) → the modules that hold it (a LoRA layer counts through its base layer, once)."""
    owners: dict[int, list[str]] = {}
    inside = tuple(name + "." for name in layers)
    for name, module in model.named_modules():
        if name.startswith(inside):
            continue
        weight = base_weight(module) if name in layers else vars(module).get("_parameters", {}).get("weight")
        if weight is not None:
            owners.setdefault(id(weight), []).append(name)
    return owners
