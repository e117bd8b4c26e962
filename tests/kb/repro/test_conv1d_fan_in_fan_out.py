"""conv1d-fan-in-fan-out: LoRA on GPT-2's Conv1D layers with fan_in_fan_out left False."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from peft_why import diagnose_text

from .warning_paste import find_warning, format_warning

pytestmark = pytest.mark.repro


def _tiny_gpt2() -> Any:
    from transformers import GPT2Config, GPT2LMHeadModel

    return GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=64))


def _fan_in_fan_out_warnings(fan_in_fan_out: bool) -> list[warnings.WarningMessage]:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(target_modules=["c_attn", "c_proj"], fan_in_fan_out=fan_in_fan_out)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        get_peft_model(_tiny_gpt2(), config)
    return [r for r in records if "fan_in_fan_out" in str(r.message)]


def test_conv1d_without_fan_in_fan_out_warns_and_setting_it_is_silent(seeded: None) -> None:
    records = _fan_in_fan_out_warnings(fan_in_fan_out=False)
    warning = find_warning(records, "target module is `Conv1D`")

    diagnoses = diagnose_text(format_warning(warning))
    assert diagnoses and diagnoses[0].id == "conv1d-fan-in-fan-out"

    assert _fan_in_fan_out_warnings(fan_in_fan_out=True) == []  # the fix
