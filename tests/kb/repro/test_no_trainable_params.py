"""no-trainable-params: an adapter loaded for inference has nothing to train, reproduced on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_inference_adapter_gives_empty_optimizer_and_is_trainable_fixes_it(
    tiny_llama: Callable[..., Any], torch_mod: Any, tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"])).save_pretrained(tmp_path / "adapter")

    loaded = PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter")
    with pytest.raises(ValueError, match="empty parameter list") as caught:
        torch_mod.optim.AdamW([p for p in loaded.parameters() if p.requires_grad])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "no-trainable-params"

    trainable = PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter", is_trainable=True)  # the fix
    torch_mod.optim.AdamW([p for p in trainable.parameters() if p.requires_grad])
