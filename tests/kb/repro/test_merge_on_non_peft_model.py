"""merge-on-non-peft-model: merge_and_unload on a plain transformers model, reproduced on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_plain_model_has_no_merge_and_peft_model_merges(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"])).save_pretrained(tmp_path / "adapter")

    with pytest.raises(AttributeError, match="merge_and_unload") as caught:
        tiny_llama().merge_and_unload()

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "merge-on-non-peft-model"

    merged = PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter").merge_and_unload()  # the fix
    assert type(merged).__name__ == "LlamaForCausalLM"
