"""trained-adapter-loaded-with-get-peft-model: the "loaded" adapter is at its initialisation.

``get_peft_model(base, config)`` creates a fresh adapter (LoRA B = 0, so it changes nothing); a trained
one is loaded with ``PeftModel.from_pretrained``. Before training B = 0 is normal, so this is a fault
only at inference.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    INFERENCE,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    active_adapter_names,
    adapter_weights_path,
    config_value,
    finding,
    is_peft_model,
    lora_layers,
    lora_weights,
    model_precondition,
    read_tensors,
    tensor_shapes,
    unwrap,
)

ENTRY = "trained-adapter-loaded-with-get-peft-model"
PHASE = INFERENCE
FIX = "Load a trained adapter with PeftModel.from_pretrained(base_model, adapter_path), not get_peft_model."
ZERO_B_INITS = (True, "gaussian")  # inits that leave LoRA B at zero; others start non-zero


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    model = unwrap(ctx.model)
    if not is_peft_model(model):
        return finding(ENTRY, NOT_APPLICABLE, "not a PeftModel")
    adapters = active_adapter_names(model) or list(model.peft_config)
    inits = {name: config_value(model.peft_config.get(name), "init_lora_weights", True) for name in adapters}
    if not any(init in ZERO_B_INITS for init in inits.values()):
        return finding(
            ENTRY,
            NOT_APPLICABLE,
            "this adapter's init does not start LoRA B at zero",
            [f"init_lora_weights: {inits}"],
        )
    zero: list[str] = []
    nonzero: list[str] = []
    for name, layer in lora_layers(model):
        for adapter in adapters:
            weights = lora_weights(layer, adapter)
            if "B" in weights and weights["B"].device.type != "meta":
                (zero if not bool(weights["B"].detach().any()) else nonzero).append(f"{name} [{adapter}]")
    if not zero and not nonzero:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA layers with a B matrix")
    if nonzero:
        return finding(
            ENTRY,
            NOT_CONFIRMED,
            f"{len(nonzero)} of {len(zero) + len(nonzero)} LoRA B matrices are non-zero",
            [f"e.g. {nonzero[0]}"],
            FIX,
        )
    evidence = [
        f"all {len(zero)} LoRA B matrices are exactly zero, e.g. {zero[0]}",
        f"active adapters: {adapters}",
    ]
    evidence += _saved_adapter_evidence(ctx)
    return finding(
        ENTRY,
        CONFIRMED,
        "the adapter is at its initialisation: every LoRA B is zero, so it changes nothing",
        evidence,
        FIX,
    )


def _saved_adapter_evidence(ctx: CheckContext) -> list[str]:
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is None:
        return []
    names = [name for name, (shape, _) in tensor_shapes(path).items() if "lora_B" in name and 0 not in shape]
    tensors: dict[str, Any] = read_tensors(path, names[:8])
    trained = [name for name, tensor in tensors.items() if bool(tensor.any())]
    if trained:
        return [f"the saved adapter {path} has non-zero LoRA B (e.g. {trained[0]}): it was never loaded"]
    return []
