"""no-trainable-params: nothing in the model requires grad, so training cannot start (or changes nothing)."""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_CONFIRMED,
    TRAINING,
    CheckContext,
    Finding,
    config_value,
    finding,
    is_peft_model,
    model_precondition,
    sample,
    unwrap,
)

ENTRY = "no-trainable-params"
PHASE = TRAINING
FIX = (
    "Load the adapter for training with PeftModel.from_pretrained(base, path, is_trainable=True), "
    "or create it with get_peft_model(model, config); check with model.print_trainable_parameters()."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    model = unwrap(ctx.model)
    total = trainable = 0
    frozen_adapter = []
    for name, param in model.named_parameters():
        total += param.numel()
        if param.requires_grad:
            trainable += param.numel()
        elif "lora_" in name or ".modules_to_save." in name:
            frozen_adapter.append(name)
    if trainable:
        return finding(
            ENTRY,
            NOT_CONFIRMED,
            f"{trainable:,} of {total:,} parameters are trainable",
            [f"trainable%: {100 * trainable / max(total, 1):.4f}"],
            FIX,
        )
    evidence = [f"trainable params: 0 || all params: {total:,}"]
    if is_peft_model(model):
        modes = {name: config_value(config, "inference_mode") for name, config in model.peft_config.items()}
        evidence.append("peft_config inference_mode: " + ", ".join(f"{k}={v}" for k, v in modes.items()))
    if frozen_adapter:
        evidence.append(f"{len(frozen_adapter)} adapter tensors are frozen, e.g.:")
        evidence += sample(frozen_adapter, 3)
    return finding(ENTRY, CONFIRMED, f"no parameter requires grad (0 of {total:,})", evidence, FIX)
