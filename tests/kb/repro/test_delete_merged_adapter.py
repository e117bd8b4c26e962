"""delete-merged-adapter: deleting an adapter whose update is merged into the base weights, on CPU.

peft >= 0.21.0 refuses it (tested here); peft 0.20.0 deleted it silently and left its update in the
base weights (``side_venv/delete_merged_adapter.py``, output in the ``.out`` beside it).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _two_adapters(base: Any) -> Any:
    from peft import LoraConfig, get_peft_model

    trained = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)  # non-zero update
    model = get_peft_model(copy.deepcopy(base), trained)
    model.add_adapter("other", LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    return model


def test_deleting_a_merged_adapter_is_refused_and_unmerging_first_restores_the_base(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    base = tiny_llama()
    with torch_mod.no_grad():
        base_logits = base(input_ids).logits

    model = _two_adapters(base)
    model.merge_adapter()
    with pytest.raises(ValueError, match="while they are merged") as caught:
        model.delete_adapter("default")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "delete-merged-adapter"

    fixed = _two_adapters(base)
    fixed.merge_adapter()
    fixed.unmerge_adapter()  # the fix: take the update out of the base weights first
    fixed.delete_adapter("default")
    with torch_mod.no_grad(), fixed.disable_adapter():
        assert torch_mod.allclose(fixed(input_ids).logits, base_logits, atol=1e-5)
