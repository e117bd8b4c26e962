"""alora-forward-twice-with-gradient-checkpointing: two forwards without backward on an aLoRA model, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "alora-forward-twice-with-gradient-checkpointing"
MESSAGE = "Multiple invocations of PEFT forward hooks before .backward"


def _alora(tiny_llama: Callable[..., Any]) -> Any:
    from peft import LoraConfig, get_peft_model

    base = tiny_llama()
    base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], alora_invocation_tokens=[9], task_type="CAUSAL_LM")
    return get_peft_model(base, config)


def test_evaluation_forwards_with_gradient_checkpointing_raise(
    tiny_llama: Callable[..., Any], input_ids: Any, torch_mod: Any
) -> None:
    model = _alora(tiny_llama).eval()
    with torch_mod.no_grad():
        model(input_ids=input_ids)  # no backward follows: the aLoRA hooks stay on the checkpointed layers
        with pytest.raises(ValueError, match=MESSAGE) as caught:
            model(input_ids=input_ids)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: gradient checkpointing off for evaluation passes, on again for training
    model = _alora(tiny_llama)
    model.base_model.model.gradient_checkpointing_disable()
    model.eval()
    with torch_mod.no_grad():
        model(input_ids=input_ids)
        model(input_ids=input_ids)
    model.base_model.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    for _ in range(2):  # one forward per backward
        model(input_ids=input_ids, labels=input_ids).loss.backward()


def test_two_forwards_before_backward_raise(tiny_llama: Callable[..., Any], input_ids: Any) -> None:
    model = _alora(tiny_llama).train()
    first = model(input_ids=input_ids, labels=input_ids).loss
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        model(input_ids=input_ids, labels=input_ids)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID
    assert first.requires_grad
