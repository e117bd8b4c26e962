"""trainable-token-indices-overlap: two adapters with overlapping trainable token ids used together, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "trainable-token-indices-overlap"
MESSAGE = "Token indices of adapter extra are already defined"


def _two_adapters(tiny_llama: Callable[..., Any], first: list[int], second: list[int]) -> Any:
    from peft import TrainableTokensConfig, get_peft_model

    model = get_peft_model(tiny_llama(), TrainableTokensConfig(token_indices=first))
    model.add_adapter("extra", TrainableTokensConfig(token_indices=second))
    return model


def test_overlapping_token_adapters_refuse_to_run_together(tiny_llama: Callable[..., Any], input_ids: Any) -> None:
    model = _two_adapters(tiny_llama, [1, 2, 3], [3, 4])
    model.base_model.set_adapter(["default", "extra"])
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        model(input_ids)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: disjoint token ids
    model = _two_adapters(tiny_llama, [1, 2, 3], [4, 5])
    model.base_model.set_adapter(["default", "extra"])
    assert model(input_ids).logits.shape[-1] == 128


def test_overlapping_token_adapters_refuse_to_merge(tiny_llama: Callable[..., Any], input_ids: Any) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"], trainable_token_indices=[1, 2, 3]))
    model.add_adapter("extra", LoraConfig(r=4, target_modules=["q_proj"], trainable_token_indices=[3, 4]))
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        model.merge_and_unload(adapter_names=["default", "extra"])
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # merging one adapter at a time is allowed
    merged = model.merge_and_unload(adapter_names=["default"])
    assert merged(input_ids).logits.shape[-1] == 128
