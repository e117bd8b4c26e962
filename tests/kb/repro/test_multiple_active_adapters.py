"""multiple-active-adapters: activating two adapters at once, on CPU.

Two ways in: PeftModel.set_adapter takes one name (a list is not hashable), and the tuner's
set_adapter accepts a list only if at most one of the adapters has its own modules_to_save copy.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _two_adapters(model: Any, second_saves: list[str] | None) -> Any:
    from peft import LoraConfig, get_peft_model

    targets = ["q_proj", "v_proj"]
    first = LoraConfig(r=4, lora_alpha=8, target_modules=targets, modules_to_save=["lm_head"])
    peft_model = get_peft_model(model, first, adapter_name="first")
    second = LoraConfig(r=4, lora_alpha=8, target_modules=targets, modules_to_save=second_saves)
    peft_model.add_adapter("second", second)
    return peft_model


def test_list_to_peft_model_set_adapter_fails(tiny_llama: Callable[..., Any]) -> None:
    model = _two_adapters(tiny_llama(), None)
    with pytest.raises(TypeError, match="unhashable type") as caught:
        model.set_adapter(["first", "second"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "multiple-active-adapters"


def test_two_saved_heads_fail_and_one_owner_with_tuner_set_adapter_clears_it(
    tiny_llama: Callable[..., Any], input_ids: Any
) -> None:
    model = _two_adapters(tiny_llama(), ["lm_head"])  # both adapters carry a copy of lm_head
    with pytest.raises(ValueError, match="Only one adapter can be set at a time") as caught:
        model.base_model.set_adapter(["first", "second"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "multiple-active-adapters"

    fixed = _two_adapters(tiny_llama(), None)  # only "first" owns a copy of lm_head
    fixed.base_model.set_adapter(["first", "second"])
    assert fixed.base_model.active_adapters == ["first", "second"]
    assert fixed(input_ids=input_ids).logits.shape == (1, 6, 128)
