"""target-modules-regex-partial: a target_modules regex that silently adapts only some layers."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

LAYERS = 12
PARTIAL = r".*\.layers\.\d\.self_attn\.(q_proj|v_proj)"  # \d: one digit, so layers 10 and 11 are missed
FULL = r".*\.layers\.\d+\.self_attn\.(q_proj|v_proj)"


def _targeted(tiny_llama: Callable[..., Any], pattern: str) -> list[str]:
    from peft import LoraConfig, get_peft_model

    base = tiny_llama(
        num_hidden_layers=LAYERS,
        hidden_size=16,
        intermediate_size=32,
        num_attention_heads=2,
        num_key_value_heads=1,
    )
    return list(get_peft_model(base, LoraConfig(target_modules=pattern)).targeted_module_names)


def test_single_digit_regex_misses_later_layers_and_digits_cover_all(tiny_llama: Callable[..., Any]) -> None:
    targeted = _targeted(tiny_llama, PARTIAL)  # no error, no warning
    assert len(targeted) == 2 * 10

    report = f'config = LoraConfig(target_modules=r"{PARTIAL}")\n'
    report += f"# only {len(targeted)} of {2 * LAYERS} modules got LoRA"
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "target-modules-regex-partial"

    assert len(_targeted(tiny_llama, FULL)) == 2 * LAYERS  # the fix
