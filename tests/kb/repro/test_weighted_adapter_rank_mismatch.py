"""weighted-adapter-rank-mismatch: add_weighted_adapter over LoRAs of different rank, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_linear_combination_of_different_ranks_is_refused_and_cat_or_svd_combine_them(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    model.add_adapter("math", LoraConfig(r=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False))

    with pytest.raises(ValueError, match="All adapters must have the same r value") as caught:
        model.add_weighted_adapter(["default", "math"], [0.5, 0.5], adapter_name="mix", combination_type="linear")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "weighted-adapter-rank-mismatch"
    assert "mix" not in model.peft_config

    model.add_weighted_adapter(["default", "math"], [0.5, 0.5], adapter_name="mix_cat", combination_type="cat")
    assert model.peft_config["mix_cat"].r == 24  # cat: the ranks add up
    model.add_weighted_adapter(["default", "math"], [0.5, 0.5], adapter_name="mix_svd", combination_type="svd")
    assert model.peft_config["mix_svd"].r == 16  # svd: the largest rank unless svd_rank is given
