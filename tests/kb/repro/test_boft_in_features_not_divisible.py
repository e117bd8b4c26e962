"""boft-in-features-not-divisible: a BOFT block size that does not divide a targeted layer's in_features."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "boft-in-features-not-divisible"


def test_a_block_size_that_fits_attention_but_not_the_mlp_is_refused_and_a_divisor_of_both_works(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import BOFTConfig, get_peft_model

    targets = ["q_proj", "v_proj", "down_proj"]  # in_features 32, 32 and 48
    with pytest.raises(ValueError, match=r"in_features \(48\) must be divisible by boft_block_size \(32\)!") as caught:
        get_peft_model(tiny_llama(intermediate_size=48), BOFTConfig(boft_block_size=32, target_modules=targets))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = get_peft_model(tiny_llama(intermediate_size=48), BOFTConfig(boft_block_size=16, target_modules=targets))
    assert model.base_model.model.model.layers[0].mlp.down_proj.boft_block_size["default"] == 16


def test_a_block_count_that_does_not_divide_in_features_is_refused(tiny_llama: Callable[..., Any]) -> None:
    from peft import BOFTConfig, get_peft_model

    config = BOFTConfig(boft_block_size=0, boft_block_num=6, target_modules=["q_proj"])
    with pytest.raises(ValueError, match=r"in_features \(32\) must be divisible by boft_block_num \(6\)!") as caught:
        get_peft_model(tiny_llama(), config)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    get_peft_model(tiny_llama(), BOFTConfig(boft_block_size=0, boft_block_num=4, target_modules=["q_proj"]))
