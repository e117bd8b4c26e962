"""target-modules-not-found: LoRA target names that a Llama model does not have."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_foreign_target_names_are_not_found_and_real_names_fix_it(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    with pytest.raises(ValueError, match="not found in the base model") as caught:
        get_peft_model(tiny_llama(), LoraConfig(target_modules=["query_key_value"]))  # a Falcon/BLOOM name

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "target-modules-not-found"

    fixed = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj", "v_proj"]))
    assert len(fixed.targeted_module_names) == 4  # 2 layers x (q_proj, v_proj)


def test_empty_target_list_is_diagnosed_as_not_found(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    with pytest.raises(ValueError, match="No `target_modules` passed") as caught:
        get_peft_model(tiny_llama(), LoraConfig(target_modules=[]))  # e.g. a helper that found no layers

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "target-modules-not-found"


def test_excluding_every_target_is_diagnosed_as_not_found(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    with pytest.raises(ValueError, match="No modules were targeted for adaptation") as caught:
        get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj"], exclude_modules=["q_proj"]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "target-modules-not-found"

    fixed = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj", "v_proj"], exclude_modules=["q_proj"]))
    assert len(fixed.targeted_module_names) == 2
