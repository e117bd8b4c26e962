"""invalid-config-argument: a config built in user code with a keyword its class lacks, on CPU."""

from __future__ import annotations

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_misspelled_argument_raises_and_the_real_name_builds_the_config() -> None:
    from peft import LoraConfig

    with pytest.raises(TypeError, match="unexpected keyword argument 'target_module'") as caught:
        LoraConfig(r=8, lora_alpha=16, target_module=["q_proj", "v_proj"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "invalid-config-argument"

    assert LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]).target_modules == {"q_proj", "v_proj"}


def test_argument_of_another_method_raises_and_its_own_config_accepts_it() -> None:
    from peft import LoraConfig, PromptTuningConfig

    with pytest.raises(TypeError, match="unexpected keyword argument 'target_modules'") as caught:
        PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=20, target_modules=["q_proj"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "invalid-config-argument"

    assert PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=20).num_virtual_tokens == 20
    assert LoraConfig(target_modules=["q_proj"]).target_modules == {"q_proj"}
