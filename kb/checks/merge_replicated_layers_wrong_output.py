"""merge-replicated-layers-wrong-output: adapted layer copies from layer_replication share one base weight.

``layer_replication`` (``replicate_layers``/``clone_module(share_weights=True)``) builds the deeper model
from copies whose parameters are the very tensors of the layer they copy; each copy gets its own LoRA.
A merge adds every copy's delta into that one tensor. So the fault is found by identity: adapted
modules at the same place in different layers (``layers.1.q_proj``, ``layers.2.q_proj``) holding one
weight tensor. On a PeftModel these are LoRA layers' base weights: merged already (``merged_adapters``)
is the fault; unmerged it is reported when the check is asked for by name (merging it would be wrong),
while ``diagnose`` only notes it. On a merged-and-unloaded model the adapted modules come from the
adapter's config (``layer_replication`` and ``target_modules``, through peft's own matching): sharing
there means the merged weight holds several copies' deltas. Tied embeddings (other names) are left to
tied-embeddings-in-adapter.
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
    own_modules,
    peft_configs,
    sample,
    target_matcher,
    unwrap,
)

ENTRY = "merge-replicated-layers-wrong-output"
FIX = (
    "Keep the adapter unmerged, or give every replicated copy its own base weight before merging: for each LoRA "
    "layer, base.weight = torch.nn.Parameter(base.weight.detach().clone(), requires_grad=False); then merge."
)
LAYER_INDEX = re.compile(r"\.\d+\.")


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    replicated = {
        name: config_value(config, "layer_replication")
        for name, config in peft_configs(ctx).items()
        if config_value(config, "layer_replication")
    }
    evidence = [f"layer_replication: {replicated or 'none in the adapter config'}"]
    layers = dict(lora_layers(model))
    if layers:
        return _on_peft_model(ctx, model, layers, bool(replicated), evidence)
    if not replicated:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA layers, and no adapter config with layer_replication", evidence)
    return _on_merged_model(ctx, model, evidence)


def _on_peft_model(
    ctx: CheckContext, model: Any, layers: dict[str, Any], replicated: bool, evidence: list[str]
) -> Finding:
    shared = _copies({name: base_weight(layer) for name, layer in layers.items()})
    if not shared:
        if not replicated:
            return finding(ENTRY, NOT_APPLICABLE, "no layer_replication and no LoRA layers sharing a base weight")
        return finding(ENTRY, NOT_CONFIRMED, "every adapted layer copy has its own base weight", evidence, FIX)
    names = [name for group in shared for name in group]
    merged = sorted(f"{name}: merged {layers[name].merged_adapters}" for name in names if _merged(layers[name]))
    evidence += sample([" and ".join(group) + " share one base weight" for group in shared], 3)
    evidence += _guard(model)
    count = sum(len(group) for group in shared)
    if merged:
        return finding(
            ENTRY,
            CONFIRMED,
            f"adapters are merged into base weights shared by replicated layers ({count} copies in {len(shared)} "
            "shared tensors): each copy now holds the sum of the copies' deltas",
            evidence + sample(merged, 2),
            FIX,
        )
    if ctx.requested:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{count} adapted layer copies share {len(shared)} base weights: merging adds their deltas into one tensor",
            evidence,
            FIX,
            note="not merged yet: merge_and_unload() now would change the outputs",
        )
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        "no adapter is merged into a base weight shared by replicated layers",
        evidence,
        FIX,
        note=f"{count} adapted layer copies share {len(shared)} base weights: merging them would change the outputs",
    )


def _on_merged_model(ctx: CheckContext, model: Any, evidence: list[str]) -> Finding:
    modules = own_modules(model)
    weights = {name: vars(module).get("_parameters", {}).get("weight") for name, module in modules}
    if not _copies(weights):
        return finding(
            ENTRY,
            NOT_APPLICABLE,
            "this model has no replicated layers (no layer shares its weights with a copy)",
            evidence,
            note="pass the merged model, or the PeftModel with the adapter",
        )
    matchers = [target_matcher(config) for config in peft_configs(ctx).values()]
    adapted = {
        name: weight
        for name, weight in weights.items()
        if weight is not None and any(matches(name) for matches in matchers)
    }
    shared = _copies(adapted)
    evidence.append(f"no LoRA layers (merged and unloaded); {len(adapted)} modules the adapter config targets")
    if shared:
        count = sum(len(group) for group in shared)
        return finding(
            ENTRY,
            CONFIRMED,
            f"{count} adapted layer copies hold {len(shared)} shared merged weights: each holds the sum of the "
            "copies' deltas",
            evidence + sample([" and ".join(group) + " share one weight" for group in shared], 3),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "every adapted layer copy has its own (merged) weight", evidence, FIX)


def _copies(weights: dict[str, Any]) -> list[list[str]]:
    """Groups of modules at the same place in different layers whose weight is one tensor."""
    groups: dict[tuple[int, str], list[str]] = {}
    for name, weight in weights.items():
        if weight is not None:
            groups.setdefault((id(weight), LAYER_INDEX.sub(".#.", name)), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def _merged(layer: Any) -> bool:
    return bool(getattr(layer, "merged_adapters", None))


def _guard(model: Any) -> list[str]:
    """What the installed peft's merge guard (``_check_merge_allowed``) says about this model."""
    import warnings

    tuner = getattr(model, "base_model", None)
    guard = getattr(tuner, "_check_merge_allowed", None)
    if not callable(guard):
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its tied-embeddings warning is another entry's
            guard()
    except ValueError as exc:
        return [f"the installed peft refuses the merge: {exc}"]
    return ["the installed peft's _check_merge_allowed lets the merge through without a word"]
