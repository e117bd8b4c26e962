"""empty-adapter-saved: a 0-byte adapter_model.safetensors fails to load, reproduced on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_truncated_adapter_file_fails_and_resave_loads(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model
    from safetensors.torch import load_file

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    model.save_pretrained(tmp_path / "adapter")
    weights = tmp_path / "adapter" / "adapter_model.safetensors"
    weights.write_bytes(b"")  # what an interrupted or failed write leaves behind

    with pytest.raises(Exception, match="Error while deserializing header") as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "empty-adapter-saved"

    model.save_pretrained(tmp_path / "adapter")  # the fix: save again and check the tensors
    tensors = load_file(weights)
    assert tensors and all(t.numel() for t in tensors.values())
    PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter")


def test_truncated_bin_adapter_fails_in_torch_load_and_is_diagnosed(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    model.save_pretrained(tmp_path / "adapter", safe_serialization=False)
    weights = tmp_path / "adapter" / "adapter_model.bin"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])  # a copy or upload that stopped half way

    with pytest.raises(RuntimeError, match="failed finding central directory") as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "adapter")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "empty-adapter-saved"
