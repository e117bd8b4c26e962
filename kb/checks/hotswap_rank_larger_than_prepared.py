"""Check for hotswap-rank-larger-than-prepared: the adapter to swap in has a larger LoRA rank than the compiled model.

A compiled model keeps its LoRA tensors' shapes; ``prepare_model_for_compiled_hotswap`` pads them
to ``target_rank`` before compiling. Here the rank of each LoRA layer on the model (rows of
``lora_A``) is compared with the rank saved in the adapter folder (``adapter_dir``) to swap in.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    active_adapter_names,
    adapter_weights_path,
    finding,
    lora_layers,
    lora_weights,
    model_precondition,
    sample,
    tensor_shapes,
    unwrap,
)

ENTRY = "hotswap-rank-larger-than-prepared"
FIX = (
    "Before compiling, call prepare_model_for_compiled_hotswap(model, target_rank=<largest rank of all adapters>, "
    "config=model.peft_config), then compile and hot-swap."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    weights = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    model = unwrap(ctx.model)
    active = active_adapter_names(model)
    ranks = {}
    for name, layer in lora_layers(model):
        tensors = lora_weights(layer, active[0]) if active else {}
        if "A" in tensors and tensors["A"].dim() >= 2:
            ranks[name] = int(tensors["A"].shape[0])
    if weights is None or not ranks:
        return finding(ENTRY, NOT_APPLICABLE, "needs a model with a LoRA adapter and the adapter folder to swap in")
    incoming = {
        key.split(".lora_A", 1)[0]: int(shape[0])
        for key, (shape, _dtype) in tensor_shapes(weights).items()
        if ".lora_A." in key and len(shape) >= 2
    }
    larger = [
        f"{name}: rank {ranks[name]} on the model, {rank} in the adapter"
        for name, rank in sorted(incoming.items())
        if name in ranks and rank > ranks[name]
    ]
    compiled = "_orig_mod" in getattr(ctx.model, "_modules", {})
    evidence = [f"model compiled: {compiled}; LoRA ranks on the model: {sorted(set(ranks.values()))}"]
    if larger and compiled:
        return finding(
            ENTRY,
            CONFIRMED,
            "the adapter to swap in has a larger rank than the compiled model's LoRA layers",
            evidence + sample(larger),
            FIX,
        )
    if larger:
        return finding(
            ENTRY,
            NOT_CONFIRMED,
            "larger rank, but the model is not compiled: the tensors can be replaced",
            evidence + sample(larger),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "the model's LoRA ranks fit the adapter to swap in", evidence, FIX)
