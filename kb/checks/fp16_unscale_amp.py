"""fp16-unscale-amp: trainable parameters in float16, which GradScaler refuses to unscale.

Confirmed from the parameters alone in the training phase: the AMP context is usually not visible
on a model, and fp16 trainable weights fail under any fp16 GradScaler.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_CONFIRMED,
    TRAINING,
    CheckContext,
    Finding,
    finding,
    model_precondition,
    sample,
    unwrap,
)

ENTRY = "fp16-unscale-amp"
PHASE = TRAINING
FIX = (
    "Keep trainable weights in float32: peft.cast_mixed_precision_params(model, dtype=torch.float16) "
    "(or get_peft_model with autocast_adapter_dtype=True), or train with bf16."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    import torch

    model = unwrap(ctx.model)
    trainable = [(name, param) for name, param in model.named_parameters() if param.requires_grad]
    half = [name for name, param in trainable if param.dtype == torch.float16]
    if half:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(half)} of {len(trainable)} trainable parameters are float16",
            sample(f"{name}: torch.float16" for name in half),
            FIX,
            note="under fp16 mixed precision the GradScaler raises 'Attempting to unscale FP16 gradients'",
        )
    dtypes = sorted({str(param.dtype) for _, param in trainable})
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        f"no trainable parameter is float16 ({len(trainable)} trainable)",
        [f"trainable dtypes: {', '.join(dtypes) or 'none'}"],
        FIX,
    )
