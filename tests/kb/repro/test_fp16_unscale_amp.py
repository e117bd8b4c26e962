"""fp16-unscale-amp: LoRA weights in fp16 under a GradScaler, reproduced on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _train_step(model: Any, torch: Any, input_ids: Any) -> None:
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    scaler = torch.amp.GradScaler("cpu")
    with torch.autocast("cpu", dtype=torch.float16):
        loss = model(input_ids=input_ids, labels=input_ids).loss
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def test_fp16_lora_weights_fail_to_unscale_and_fix_clears_it(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, cast_mixed_precision_params, get_peft_model

    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(tiny_llama().to(torch_mod.float16), config, autocast_adapter_dtype=False)
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients") as caught:
        _train_step(model, torch_mod, input_ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "fp16-unscale-amp"

    fixed = get_peft_model(tiny_llama().to(torch_mod.float16), config, autocast_adapter_dtype=False)
    cast_mixed_precision_params(fixed, dtype=torch_mod.float16)
    _train_step(fixed, torch_mod, input_ids)  # the fix: no error


def _classifier_step(model: Any, torch: Any, input_ids: Any) -> None:
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    scaler = torch.amp.GradScaler("cpu")
    with torch.autocast("cpu", dtype=torch.float16):
        loss = model(input_ids=input_ids, labels=torch.tensor([1])).loss
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def test_fp16_modules_to_save_head_stays_fp16_despite_adapter_autocast(
    tiny_llama_classifier: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, cast_mixed_precision_params, get_peft_model

    config = LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(tiny_llama_classifier().to(torch_mod.float16), config)  # autocast_adapter_dtype=True
    trainable = {n: p.dtype for n, p in model.named_parameters() if p.requires_grad}
    assert torch_mod.float16 in trainable.values() and torch_mod.float32 in trainable.values()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients") as caught:
        _classifier_step(model, torch_mod, input_ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "fp16-unscale-amp"

    fixed = get_peft_model(tiny_llama_classifier().to(torch_mod.float16), config)
    cast_mixed_precision_params(fixed, dtype=torch_mod.float16)
    _classifier_step(fixed, torch_mod, input_ids)  # the fix: the score copy is float32 too
