"""oft-block-size-and-count-conflict: OFT/BOFT configs need exactly one of block count and block size."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "oft-block-size-and-count-conflict"


def test_r_with_the_default_oft_block_size_is_refused_and_zeroing_the_block_size_works(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import OFTConfig, get_peft_model

    # since peft 0.16 the defaults are r=0, oft_block_size=32: setting r alone sets both
    with pytest.raises(ValueError, match=r"You can only specify either r \(8\) or oft_block_size \(32\)") as caught:
        OFTConfig(r=8, target_modules=["q_proj", "v_proj"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = get_peft_model(tiny_llama(), OFTConfig(r=8, oft_block_size=0, target_modules=["q_proj", "v_proj"]))
    assert model.peft_config["default"].r == 8


def test_neither_r_nor_oft_block_size_is_refused_and_one_of_them_works(tiny_llama: Callable[..., Any]) -> None:
    from peft import OFTConfig, get_peft_model

    with pytest.raises(ValueError, match="Either `r` or `oft_block_size` must be non-zero") as caught:
        OFTConfig(r=0, oft_block_size=0, target_modules=["q_proj", "v_proj"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = get_peft_model(tiny_llama(), OFTConfig(r=0, oft_block_size=8, target_modules=["q_proj", "v_proj"]))
    assert model.peft_config["default"].oft_block_size == 8


def test_boft_block_num_with_the_default_block_size_is_refused(tiny_llama: Callable[..., Any]) -> None:
    from peft import BOFTConfig, get_peft_model

    with pytest.raises(ValueError, match=r"either boft_block_size \(4\) or boft_block_num \(8\)") as caught:
        BOFTConfig(boft_block_num=8, target_modules=["q_proj", "v_proj"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    config = BOFTConfig(boft_block_num=8, boft_block_size=0, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(tiny_llama(), config)
    assert model.peft_config["default"].boft_block_num == 8
