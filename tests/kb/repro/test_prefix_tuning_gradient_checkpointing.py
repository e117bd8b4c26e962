"""prefix-tuning-gradient-checkpointing: prefix tuning with checkpointing on, before or after get_peft_model."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "prefix-tuning-gradient-checkpointing"


def _config() -> Any:
    from peft import PrefixTuningConfig

    return PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_checkpointing_before_get_peft_model_is_refused(tiny_llama: Callable[..., Any]) -> None:
    from peft import get_peft_model

    base = tiny_llama()
    base.gradient_checkpointing_enable()
    with pytest.raises(ValueError, match="PREFIX_TUNING does not work with gradient checkpointing") as caught:
        get_peft_model(base, _config())

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_checkpointing_enabled_after_get_peft_model_breaks_the_forward_and_off_trains(
    tiny_llama: Callable[..., Any], input_ids: Any
) -> None:
    from peft import get_peft_model

    model = get_peft_model(tiny_llama(), _config())
    model.gradient_checkpointing_enable()  # what Trainer(gradient_checkpointing=True) does
    model.train()
    with pytest.raises(RuntimeError, match=r"size of tensor a \(6\) must match the size of tensor b \(10\)") as caught:
        model(input_ids=input_ids, labels=input_ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model.gradient_checkpointing_disable()  # the fix
    model(input_ids=input_ids, labels=input_ids).loss.backward()
    assert model.prompt_encoder["default"].embedding.weight.grad is not None
