"""unsupported-target-module-type: targeting a norm layer or a whole block with LoRA."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


@pytest.mark.parametrize("target", ["input_layernorm", "self_attn"])
def test_non_linear_target_is_not_supported_and_inner_linears_fix_it(
    tiny_llama: Callable[..., Any], target: str
) -> None:
    from peft import LoraConfig, get_peft_model

    with pytest.raises(ValueError, match="is not supported") as caught:
        get_peft_model(tiny_llama(), LoraConfig(target_modules=[target]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "unsupported-target-module-type"

    fixed = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    assert len(fixed.targeted_module_names) == 8


def test_loha_on_a_norm_layer_raises_type_error_and_is_diagnosed(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoHaConfig, get_peft_model

    with pytest.raises(TypeError, match="currently only adapters for") as caught:
        get_peft_model(tiny_llama(), LoHaConfig(target_modules=["input_layernorm"]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "unsupported-target-module-type"

    fixed = get_peft_model(tiny_llama(), LoHaConfig(target_modules=["q_proj", "v_proj"]))
    assert len(fixed.targeted_module_names) == 4
