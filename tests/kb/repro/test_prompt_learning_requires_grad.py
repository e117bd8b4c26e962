"""prompt-learning-requires-grad: PeftModel.set_requires_grad on a prompt-tuning model, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "prompt-learning-requires-grad"


def test_set_requires_grad_is_refused_for_prompt_tuning_and_the_prompt_encoder_can_be_frozen_directly(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import PromptTuningConfig, get_peft_model

    model = get_peft_model(tiny_llama(), PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    with pytest.raises(TypeError, match="Setting `requires_grad` is not supported for prompt learning") as caught:
        model.set_requires_grad("default", requires_grad=False)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model.prompt_encoder["default"].requires_grad_(False)  # the fix
    assert not [name for name, param in model.named_parameters() if param.requires_grad]
    model.prompt_encoder["default"].requires_grad_(True)
    assert [name for name, param in model.named_parameters() if param.requires_grad] == [
        "prompt_encoder.default.embedding.weight"
    ]
