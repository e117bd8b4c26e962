"""dtype-mismatch: weights that meet in one matmul have different dtypes.

PEFT casts a LoRA layer's input to the dtype of lora_A, so base fp16 + LoRA fp32 is fine. What fails:
lora_A and lora_B of different dtypes, input casting disabled with adapter ≠ base dtype, or (without
autocast, i.e. at inference) a linear layer whose dtype differs from the input embeddings'.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    INFERENCE,
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

ENTRY = "dtype-mismatch"
FIX = (
    "Give the whole model one dtype (model.to(torch.bfloat16)), or keep only trainable weights in float32 "
    "with peft.cast_mixed_precision_params(model, dtype); at inference wrap the call in torch.autocast."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    adapters = active_adapter_names(model)
    problems: list[str] = []
    for name, layer in lora_layers(model):
        base = base_weight(layer)
        for adapter in adapters or list(getattr(layer, "lora_A", {})):
            weights = lora_weights(layer, adapter)
            if "A" in weights and "B" in weights and weights["A"].dtype != weights["B"].dtype:
                problems.append(f"{name} [{adapter}]: lora_A {weights['A'].dtype} vs lora_B {weights['B'].dtype}")
            casting = getattr(layer, "cast_input_dtype_enabled", True)
            if not casting and base is not None and "A" in weights and weights["A"].dtype != base.dtype:
                problems.append(
                    f"{name} [{adapter}]: input casting off, lora_A {weights['A'].dtype} vs base {base.dtype}"
                )
    if ctx.phase == INFERENCE or ctx.requested:  # training usually runs under autocast
        problems += _linear_vs_embeddings(model)
    if problems:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(problems)} layers mix dtypes that meet in one matmul",
            sample(problems),
            FIX,
            note="F.linear fails on these unless the forward runs under torch.autocast",
        )
    dtypes = sorted({str(param.dtype) for _, param in model.named_parameters()})
    return finding(ENTRY, NOT_CONFIRMED, "no layer mixes dtypes in one matmul", [f"dtypes: {', '.join(dtypes)}"], FIX)


def _linear_vs_embeddings(model: Any) -> list[str]:
    import torch

    base = base_model_of(model)
    getter = getattr(base, "get_input_embeddings", None)
    try:
        embeddings = getter() if callable(getter) else None
    except NotImplementedError:
        return []
    weight = getattr(embeddings, "weight", None)
    if weight is None:  # a PEFT wrapper around the embedding
        weight = getattr(getattr(embeddings, "base_layer", None), "weight", None)
    if weight is None or not weight.is_floating_point():
        return []
    keep_fp32 = set(getattr(base, "_keep_in_fp32_modules", None) or ())
    problems = []
    for name, module in base.named_modules():
        if type(module) is not torch.nn.Linear or any(part in keep_fp32 for part in name.split(".")):
            continue
        if any(part.startswith("lora_") or part == "original_module" for part in name.split(".")):
            continue
        if module.weight.is_floating_point() and module.weight.dtype != weight.dtype:
            problems.append(f"{name}: Linear {module.weight.dtype} vs input embeddings {weight.dtype}")
    return problems
