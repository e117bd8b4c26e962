"""gradient-checkpointing-no-grad: reentrant checkpointing on a frozen base without input grads."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc
from .warning_paste import find_warning, format_warning

pytestmark = pytest.mark.repro


def _checkpointed_lora(tiny_llama: Callable[..., Any]) -> Any:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj", "v_proj"]))
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    # transformers 5 enables input grads itself; switch them off as an older stack (or a hand-made
    # inputs_embeds) leaves them, which is the failing configuration.
    model.base_model.model.disable_input_require_grads()
    return model.train()


def test_reentrant_checkpointing_without_input_grads_fails_and_input_grads_fix_it(
    tiny_llama: Callable[..., Any], input_ids: Any
) -> None:
    model = _checkpointed_lora(tiny_llama)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn") as caught:
            model(input_ids=input_ids, labels=input_ids).loss.backward()

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "gradient-checkpointing-no-grad"
    warning = find_warning(records, "None of the inputs have requires_grad=True")
    assert diagnose_text(format_warning(warning))[0].id == "gradient-checkpointing-no-grad"

    fixed = _checkpointed_lora(tiny_llama)
    fixed.enable_input_require_grads()  # the fix
    fixed(input_ids=input_ids, labels=input_ids).loss.backward()
    lora_grads = [p.grad for name, p in fixed.named_parameters() if "lora_" in name]
    assert lora_grads and all(g is not None for g in lora_grads)
