"""layers-to-transform-with-string-target-modules: layer selection beside a str target_modules, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "layers-to-transform-with-string-target-modules"


def test_all_linear_with_layers_to_transform_is_refused_and_a_list_of_names_works(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import LoraConfig, get_peft_model

    with pytest.raises(ValueError, match="`layers_to_transform` cannot be used when") as caught:
        LoraConfig(target_modules="all-linear", layers_to_transform=[0])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    fixed = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj", "v_proj"], layers_to_transform=[0]))
    assert sorted(fixed.targeted_module_names) == ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj"]

    by_regex = get_peft_model(tiny_llama(), LoraConfig(target_modules=r".*\.layers\.0\.self_attn\.(q_proj|v_proj)"))
    assert sorted(by_regex.targeted_module_names) == sorted(fixed.targeted_module_names)


def test_layers_pattern_without_layers_to_transform_is_refused() -> None:
    from peft import LoraConfig

    with pytest.raises(ValueError, match="`layers_to_transform` must also be specified") as caught:
        LoraConfig(target_modules=["q_proj", "v_proj"], layers_pattern="layers")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    config = LoraConfig(target_modules=["q_proj", "v_proj"], layers_to_transform=[1], layers_pattern="layers")
    assert config.layers_to_transform == [1]
