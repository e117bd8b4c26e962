"""trained-adapter-loaded-with-get-peft-model: get_peft_model adds a fresh adapter; outputs equal the base."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .warning_paste import find_warning, format_warning

pytestmark = pytest.mark.repro


def _logits(model: Any, torch: Any, input_ids: Any) -> Any:
    with torch.no_grad():
        return model(input_ids=input_ids).logits


def test_get_peft_model_ignores_saved_weights_and_from_pretrained_restores_them(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any, tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    # one base checkpoint for every model below
    tiny_llama().save_pretrained(tmp_path / "base")

    def base() -> Any:
        from transformers import LlamaForCausalLM

        return LlamaForCausalLM.from_pretrained(tmp_path / "base").eval()

    trained = get_peft_model(base(), LoraConfig(target_modules=["q_proj", "v_proj"]))
    with torch_mod.no_grad():  # stand-in for training: lora_B starts at zero, training moves it
        for name, param in trained.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.1)
    trained_logits = _logits(trained.eval(), torch_mod, input_ids)
    trained.save_pretrained(tmp_path / "adapter")
    base_logits = _logits(base(), torch_mod, input_ids)

    reloaded = get_peft_model(base(), LoraConfig.from_pretrained(str(tmp_path / "adapter"))).eval()
    reloaded_logits = _logits(reloaded, torch_mod, input_ids)
    assert torch_mod.equal(reloaded_logits, base_logits)
    diff = float((reloaded_logits - trained_logits).abs().max())
    assert diff > 1e-3

    report = (
        "I load my trained adapter with get_peft_model(base, LoraConfig.from_pretrained(path)) and the "
        f"logits are identical to the base model (off from the trained model by {diff:.3f}), "
        "as if it was never trained"
    )
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "trained-adapter-loaded-with-get-peft-model"

    with warnings.catch_warnings(record=True) as records:  # the same mistake on a model that has an adapter
        warnings.simplefilter("always")
        get_peft_model(reloaded, LoraConfig(target_modules=["q_proj"]), adapter_name="again")
    warning = find_warning(records, "modify a model with PEFT for a second time")
    assert diagnose_text(format_warning(warning))[0].id == "trained-adapter-loaded-with-get-peft-model"

    loaded = PeftModel.from_pretrained(base(), str(tmp_path / "adapter"))  # the fix
    assert torch_mod.equal(_logits(loaded, torch_mod, input_ids), trained_logits)
