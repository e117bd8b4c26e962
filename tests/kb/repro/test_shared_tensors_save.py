"""shared-tensors-save: save_file of a tied-embedding state dict, reproduced on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_tied_weights_block_save_file_and_save_model_works(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import load_model, save_file, save_model

    merged = get_peft_model(tiny_llama(tie_word_embeddings=True), LoraConfig(r=4, target_modules=["q_proj"]))
    merged = merged.merge_and_unload()

    with pytest.raises(RuntimeError, match="Some tensors share memory") as caught:
        save_file(merged.state_dict(), tmp_path / "model.safetensors")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "shared-tensors-save"

    save_model(merged, tmp_path / "model.safetensors")  # the fix
    load_model(tiny_llama(tie_word_embeddings=True), tmp_path / "model.safetensors")
    merged.save_pretrained(tmp_path / "merged")
