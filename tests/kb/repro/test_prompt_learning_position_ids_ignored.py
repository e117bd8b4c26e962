"""prompt-learning-position-ids-ignored: position_ids / token_type_ids given to a prompt-tuning model, on CPU."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

ID = "prompt-learning-position-ids-ignored"


def _warnings(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """The call's result and the peft warnings it raised, as Python prints them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    printed = [
        warnings.formatwarning(w.message, w.category, "…/site-packages/peft/peft_model.py", w.lineno, None)
        for w in caught
        if "peft" in Path(w.filename).parts  # the peft package's own files, not a checkout named peft-why
    ]
    return result, printed


def test_prompt_tuning_drops_position_ids_and_prefix_tuning_uses_them(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import PrefixTuningConfig, PromptTuningConfig, get_peft_model

    packed = torch_mod.tensor([[0, 1, 2, 0, 1, 2]])  # two sequences in one row, as DataCollatorWithFlattening
    base = tiny_llama()
    assert not torch_mod.allclose(base(input_ids, position_ids=packed).logits, base(input_ids).logits)

    model = get_peft_model(tiny_llama(), PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    with_ids, printed = _warnings(lambda: model(input_ids=input_ids, position_ids=packed).logits)
    assert any("Position ids are not supported for parameter efficient tuning" in text for text in printed)
    assert torch_mod.equal(with_ids, model(input_ids=input_ids).logits)  # the positions were dropped

    diagnoses = diagnose_text(printed[0])
    assert diagnoses and diagnoses[0].id == ID

    # the fix where positions matter: prefix tuning (peft >= 0.19 offsets them) or LoRA
    prefix = get_peft_model(tiny_llama(), PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    with_ids, printed = _warnings(lambda: prefix(input_ids=input_ids, position_ids=packed).logits)
    assert not printed
    assert not torch_mod.allclose(with_ids, prefix(input_ids=input_ids).logits)


def test_prompt_tuning_causal_lm_drops_token_type_ids(tiny_llama: Callable[..., Any], input_ids: Any) -> None:
    from peft import PromptTuningConfig, get_peft_model

    model = get_peft_model(tiny_llama(), PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    _, printed = _warnings(lambda: model(input_ids=input_ids, token_type_ids=input_ids * 0))
    assert any("Token type ids are not supported for parameter efficient tuning" in text for text in printed)

    diagnoses = diagnose_text(printed[0])
    assert diagnoses and diagnoses[0].id == ID

    _, printed = _warnings(lambda: model(input_ids=input_ids))  # the fix: leave them out of the batch
    assert not printed
