"""multiple-adapters-with-bias: a second LoRA adapter with bias != "none" on one model, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "multiple-adapters-with-bias"


def test_adding_a_second_adapter_with_bias_is_refused_and_bias_none_works(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"], bias="lora_only"))
    with pytest.raises(ValueError, match="supports only 1 adapter with bias") as caught:
        model.add_adapter("math", LoraConfig(r=4, target_modules=["q_proj", "v_proj"], bias="lora_only"))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID
    assert "math" not in model.peft_config

    model.add_adapter("math", LoraConfig(r=4, target_modules=["q_proj", "v_proj"], bias="none"))
    assert set(model.peft_config) == {"default", "math"}


def test_loading_two_saved_adapters_trained_with_bias_is_refused(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    for name in ("sql", "math"):
        config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], bias="all")
        get_peft_model(tiny_llama(), config).save_pretrained(tmp_path / name)

    model = PeftModel.from_pretrained(tiny_llama(), tmp_path / "sql", adapter_name="sql")
    with pytest.raises(ValueError, match="LoraModel supports only 1 adapter with bias") as caught:
        model.load_adapter(tmp_path / "math", adapter_name="math")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix for inference: one model per adapter that carries biases
    other = PeftModel.from_pretrained(tiny_llama(), tmp_path / "math", adapter_name="math")
    assert set(other.peft_config) == {"math"}
