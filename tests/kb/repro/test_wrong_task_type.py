"""wrong-task-type: a CAUSAL_LM LoraConfig on a sequence classifier, reproduced on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_causal_lm_task_type_on_classifier_fails_and_seq_cls_clears_it(
    tiny_llama_classifier: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    wrong = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    with pytest.raises(AttributeError, match="prepare_inputs_for_generation") as caught:
        get_peft_model(tiny_llama_classifier(), wrong)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "wrong-task-type"

    right = LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(tiny_llama_classifier(), right)
    loss = model(input_ids=input_ids, labels=torch_mod.tensor([1])).loss
    assert loss is not None
