"""eval-mode-dropout: a LoRA model left in training mode gives different logits for the same input."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro


def _max_diff_between_two_forwards(model: Any, torch: Any, input_ids: Any) -> float:
    with torch.no_grad():
        first = model(input_ids=input_ids).logits
        second = model(input_ids=input_ids).logits
    return float((first - second).abs().max())


def test_training_mode_outputs_vary_and_eval_makes_them_identical(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(target_modules=["q_proj", "v_proj"], lora_dropout=0.5, init_lora_weights=False)
    model = get_peft_model(tiny_llama(), config).train()  # as after get_peft_model + training
    diff = _max_diff_between_two_forwards(model, torch_mod, input_ids)
    assert diff > 1e-3

    report = (
        f"Two forward passes of the same input through my PeftModel give logits that differ by {diff:.3f}; "
        "lora_dropout=0.5 and model.training is True"
    )
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "eval-mode-dropout"

    model.eval()  # the fix
    assert _max_diff_between_two_forwards(model, torch_mod, input_ids) == 0.0
