"""quantization-method-not-trainable: the base model's quantizer says its method cannot be trained.

transformers' Trainer (``validate_quantization_for_training`` in 5.x, ``Trainer.__init__`` from 4.38)
refuses a quantized model with adapters whose ``model.hf_quantizer.is_trainable`` is false (GGUF, HIGGS,
MXFP4 unless dequantized, FBGEMM FP8, BitNet, ...). The same property is read here, with the method
from ``hf_quantizer.quantization_config.quant_method``.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    TRAINING,
    CheckContext,
    Finding,
    base_model_of,
    enum_text,
    finding,
    model_precondition,
    unwrap,
)

ENTRY = "quantization-method-not-trainable"
PHASE = TRAINING
FIX = (
    "Load the base model unquantized (or dequantized, e.g. Mxfp4Config(dequantize=True)) or with a method that "
    "trains, such as BitsAndBytesConfig(load_in_4bit=True), then attach the adapter."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    base = base_model_of(unwrap(ctx.model))
    quantizer = getattr(base, "hf_quantizer", None)
    if quantizer is None or not getattr(base, "is_quantized", False):
        return finding(ENTRY, NOT_APPLICABLE, "the model was not quantized by transformers (no hf_quantizer)")
    method = _method(quantizer)
    evidence = [f"hf_quantizer: {type(quantizer).__name__}, quant_method {method}"]
    trainable = getattr(quantizer, "is_trainable", None)
    evidence.append(f"is_trainable: {trainable}")
    if getattr(base, "_hf_peft_config_loaded", False):
        evidence.append("adapter attached through transformers (add_adapter): Trainer skips its own check")
    if trainable is False:
        return finding(
            ENTRY, CONFIRMED, f"the model is quantized with {method}, which transformers cannot train", evidence, FIX
        )
    return finding(ENTRY, NOT_CONFIRMED, f"{method} supports training", evidence, FIX)


def _method(quantizer: Any) -> str:
    config = getattr(quantizer, "quantization_config", None)
    value = getattr(config, "quant_method", None)
    return enum_text(value)
