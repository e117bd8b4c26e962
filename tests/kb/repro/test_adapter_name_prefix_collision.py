"""adapter-name-prefix-collision: an adapter named after (part of) the tuner prefix "lora_", on CPU."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro


def _warning_lines(caught: list[warnings.WarningMessage]) -> str:
    """The warnings as Python prints them on stderr: the paste a user would make."""
    return "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught)


def test_adapter_named_lora_warns_and_a_distinct_name_clears_it(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        get_peft_model(tiny_llama(), lora, adapter_name="lora")
    collisions = [w for w in caught if "should not be contained in the prefix" in str(w.message)]
    assert collisions

    diagnoses = diagnose_text(_warning_lines(collisions))
    assert diagnoses and diagnoses[0].id == "adapter-name-prefix-collision"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        get_peft_model(tiny_llama(), lora, adapter_name="sql")  # not a substring of "lora_"
    assert not [w for w in caught if "should not be contained in the prefix" in str(w.message)]
