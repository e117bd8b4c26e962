"""adapter-keys-not-in-model: transformers' load_adapter with adapter keys named for another module layout, on CPU."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

ID = "adapter-keys-not-in-model"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _rename_keys(adapter: Path, old: str, new: str) -> None:
    from safetensors.torch import load_file, save_file

    weights = adapter / "adapter_model.safetensors"
    save_file({key.replace(old, new): value for key, value in load_file(weights).items()}, weights)


def test_adapter_keys_under_another_prefix_are_unexpected_and_the_trained_weights_never_load(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path, torch_mod: Any
) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers.utils import logging as hf_logging

    def base() -> Any:
        torch_mod.manual_seed(0)
        return tiny_llama()

    trained = get_peft_model(base(), LoraConfig(r=4, target_modules=["q_proj"], init_lora_weights=False)).eval()
    with torch_mod.no_grad():
        for name, param in trained.named_parameters():
            if "lora_B" in name:
                param.add_(0.5)  # stands for training: weights no fresh initialisation reproduces
        trained_logits = trained(input_ids).logits
    adapter = tmp_path / "vl-lora"
    trained.save_pretrained(adapter)
    # keys as saved when the decoder sat under another name (Qwen2-VL's language model before transformers 4.52)
    _rename_keys(adapter, "model.layers.", "model.language_model.layers.")

    handler = _Records()
    verbosity = hf_logging.get_verbosity()
    hf_logging.add_handler(handler)
    hf_logging.set_verbosity_warning()  # the test session runs at "error"; the report is a warning
    try:
        model = base()
        model.load_adapter(str(adapter))  # no exception: only a report
    finally:
        hf_logging.remove_handler(handler)
        hf_logging.set_verbosity(verbosity)

    report = "\n".join(handler.lines)
    assert "UNEXPECTED" in report and "lora_A" in report
    with torch_mod.no_grad():
        assert not torch_mod.allclose(model(input_ids).logits, trained_logits, atol=1e-4)

    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == ID

    # the fix: rename the keys to this model's module names, then load
    _rename_keys(adapter, "model.language_model.layers.", "model.layers.")
    model = base()
    model.load_adapter(str(adapter))
    with torch_mod.no_grad():
        assert torch_mod.allclose(model(input_ids).logits, trained_logits, atol=1e-5)
