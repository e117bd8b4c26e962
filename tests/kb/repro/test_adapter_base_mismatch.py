"""adapter-base-mismatch: a LoRA saved from one base loaded onto a base of another size, reproduced on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_adapter_on_other_base_size_mismatches_and_right_base_loads(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    trained = get_peft_model(tiny_llama(), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    trained.save_pretrained(tmp_path / "adapter")

    other_base = tiny_llama(hidden_size=64, intermediate_size=128)
    with pytest.raises(RuntimeError, match=r"size mismatch for .*lora_A") as caught:
        PeftModel.from_pretrained(other_base, tmp_path / "adapter")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adapter-base-mismatch"

    loaded = PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter")  # the fix: the base it was trained on
    assert loaded.active_adapters == ["default"]
