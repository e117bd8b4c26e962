"""device-mismatch: adapter weights on another device than their base layer (or a model split by hand).

Accelerate's ``device_map`` dispatch (``hf_device_map`` plus hooks) moves activations between devices;
without it, weights on two devices fail with ``Expected all tensors to be on the same device``.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    active_adapter_names,
    base_model_of,
    base_weight,
    finding,
    lora_layers,
    lora_weights,
    model_precondition,
    sample,
    unwrap,
)

ENTRY = "device-mismatch"
FIX = (
    "Move the whole model once after loading the adapter (model.to(device)), or load base and adapter with "
    "the same device_map; put the inputs on model.device."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    problems = []
    for name, layer in lora_layers(model):
        base = base_weight(layer)
        if base is None:
            continue
        for adapter in active_adapter_names(model) or list(getattr(layer, "lora_A", {})):
            for key, tensor in lora_weights(layer, adapter).items():
                if tensor.device != base.device:
                    problems.append(f"{name} [{adapter}]: lora_{key} on {tensor.device}, base on {base.device}")
    dispatched = getattr(base_model_of(model), "hf_device_map", None) is not None
    devices = sorted({str(param.device) for _, param in model.named_parameters()})
    if not problems and len(devices) > 1 and not dispatched:
        problems.append(f"parameters on {', '.join(devices)} with no device_map dispatch (no hf_device_map)")
    if problems:
        return finding(
            ENTRY,
            CONFIRMED,
            f"weights that meet in one layer are on different devices ({len(problems)})",
            sample(problems),
            FIX,
        )
    evidence = [f"devices: {', '.join(devices)}"] + (["dispatched with device_map"] if dispatched else [])
    return finding(ENTRY, NOT_CONFIRMED, "adapter and base weights are on the same devices", evidence, FIX)
