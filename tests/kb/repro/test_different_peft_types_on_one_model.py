"""different-peft-types-on-one-model: a second adapter of another PEFT type on one PeftModel, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "different-peft-types-on-one-model"


def test_loading_a_loha_adapter_onto_a_lora_model_is_refused_and_a_mixed_model_takes_both(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoHaConfig, LoraConfig, PeftMixedModel, get_peft_model

    loha = get_peft_model(tiny_llama(), LoHaConfig(r=4, target_modules=["q_proj", "v_proj"]))
    loha.save_pretrained(tmp_path / "loha")
    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    with pytest.raises(ValueError, match="Cannot combine adapters with different peft types") as caught:
        model.load_adapter(tmp_path / "loha", adapter_name="style")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    mixed = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]), mixed=True)
    assert isinstance(mixed, PeftMixedModel)
    mixed.load_adapter(tmp_path / "loha", adapter_name="style")
    mixed.set_adapter(["default", "style"])
    assert set(mixed.peft_config) == {"default", "style"}


def test_adding_prompt_tuning_to_a_lora_model_is_refused_and_works_after_merging(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import LoraConfig, PromptTuningConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    prompt = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4)
    with pytest.raises(ValueError, match=r"Found PeftType\.LORA and PeftType\.PROMPT_TUNING") as caught:
        model.add_adapter("prompt", prompt)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    merged = model.merge_and_unload()  # the LoRA becomes part of the base; prompt tuning goes on top
    tuned = get_peft_model(merged, PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    assert tuned.peft_type == "PROMPT_TUNING"
