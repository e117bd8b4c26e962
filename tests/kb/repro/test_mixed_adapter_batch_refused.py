"""mixed-adapter-batch-refused: forward(adapter_names=...) in train mode, with a merged adapter, with DoRA, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "mixed-adapter-batch-refused"


def _two_adapters(tiny_llama: Callable[..., Any], *, use_dora: bool = False) -> Any:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"], use_dora=use_dora))
    model.add_adapter("math", LoraConfig(r=4, target_modules=["q_proj", "v_proj"], use_dora=use_dora))
    return model


def _batch(torch_mod: Any) -> Any:
    return torch_mod.tensor([[1, 5, 9, 17], [1, 7, 3, 2]])


def test_adapter_names_in_training_mode_is_refused_and_eval_mode_runs(
    tiny_llama: Callable[..., Any], torch_mod: Any
) -> None:
    model = _two_adapters(tiny_llama).train()  # as after trainer.train()
    with pytest.raises(ValueError, match="Cannot pass `adapter_names` when the model is in training mode") as caught:
        model(input_ids=_batch(torch_mod), adapter_names=["default", "math"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model.eval()
    logits = model(input_ids=_batch(torch_mod), adapter_names=["default", "math"]).logits
    assert logits.shape == (2, 4, 128)


def test_adapter_names_with_a_merged_adapter_is_refused_until_unmerged(
    tiny_llama: Callable[..., Any], torch_mod: Any
) -> None:
    model = _two_adapters(tiny_llama).eval()
    model.merge_adapter()
    with pytest.raises(ValueError, match="Cannot pass `adapter_names` when there are merged adapters") as caught:
        model(input_ids=_batch(torch_mod), adapter_names=["default", "math"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model.unmerge_adapter()
    assert model(input_ids=_batch(torch_mod), adapter_names=["default", "math"]).logits.shape == (2, 4, 128)


def test_adapter_names_with_dora_is_refused(tiny_llama: Callable[..., Any], torch_mod: Any) -> None:
    model = _two_adapters(tiny_llama, use_dora=True).eval()
    with pytest.raises(ValueError, match="Cannot pass `adapter_names` when DoRA is enabled") as caught:
        model(input_ids=_batch(torch_mod), adapter_names=["default", "math"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # peft 0.21.2 removes its adapter_names hooks only on a clean exit: this model now fails every forward
    with pytest.raises(ValueError, match="Cannot pass `adapter_names` when DoRA is enabled"):
        model(input_ids=_batch(torch_mod))

    fresh = _two_adapters(tiny_llama, use_dora=True).eval()  # the fix with DoRA: a fresh model, one adapter per batch
    fresh.set_adapter("math")
    assert fresh(input_ids=_batch(torch_mod)).logits.shape == (2, 4, 128)
