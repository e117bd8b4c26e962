"""quantized-model-needs-adapter: a quantized model with no trainable adapter attached, as Trainer sees it.

The same test as transformers' Trainer (``validate_quantization_for_training`` in 5.x, ``Trainer.__init__``
from 4.34): ``model.is_quantized`` without ``_hf_peft_config_loaded`` (no ``add_adapter``), not a PeftModel,
and a quantizer that is not QAT-trainable is refused. A base that get_peft_model already injected LoRA
layers into, while the returned PeftModel was dropped, is named in the evidence.
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
    enum_text,
    finding,
    is_peft_model,
    lora_layers,
    model_precondition,
    unwrap,
)

ENTRY = "quantized-model-needs-adapter"
PHASE = TRAINING
FIX = (
    "Attach a trainable adapter and train the object that carries it: model = get_peft_model(model, LoraConfig(...)) "
    "then Trainer(model=model, ...)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    model = unwrap(ctx.model)
    if not getattr(model, "is_quantized", False):
        return finding(ENTRY, NOT_APPLICABLE, "the model is not quantized (is_quantized is not set)")
    quantizer = getattr(model, "hf_quantizer", None)
    method = _method(quantizer)
    evidence = [f"{type(model).__name__}: is_quantized True, hf_quantizer {type(quantizer).__name__}, {method}"]
    if is_peft_model(model):
        evidence.append(f"a PEFT model ({type(model).__name__}) with adapters {sorted(model.peft_config)}")
        return finding(ENTRY, NOT_CONFIRMED, "trainable adapters are attached (a PEFT model)", evidence, FIX)
    if getattr(model, "_hf_peft_config_loaded", False):
        evidence.append("_hf_peft_config_loaded: True (an adapter was added with model.add_adapter)")
        return finding(ENTRY, NOT_CONFIRMED, "trainable adapters are attached (add_adapter)", evidence, FIX)
    if quantizer is not None and getattr(quantizer, "is_qat_trainable", False):
        evidence.append(f"{type(quantizer).__name__}.is_qat_trainable: True (Trainer lets it train without adapters)")
        return finding(ENTRY, NOT_CONFIRMED, f"{method} supports quantization-aware training", evidence, FIX)
    evidence.append("not a PeftModel, _hf_peft_config_loaded False, is_qat_trainable False")
    injected = [name for name, _ in lora_layers(model)]
    if injected:
        evidence.append(
            f"{len(injected)} LoRA layers were injected into this base (e.g. {injected[0]}): "
            "the PeftModel get_peft_model returned is not the object checked"
        )
    message = f"a {method}-quantized model with no trainable adapter attached: Trainer refuses it"
    return finding(ENTRY, CONFIRMED, message, evidence, FIX)


def _method(quantizer: Any) -> str:
    value = getattr(getattr(quantizer, "quantization_config", None), "quant_method", None)
    return enum_text(value) if value is not None else "unknown method"
