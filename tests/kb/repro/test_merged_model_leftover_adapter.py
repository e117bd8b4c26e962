"""merged-model-leftover-adapter: a merged model saved over its adapter directory, on CPU.

Nothing raises: transformers finds the leftover adapter_config.json and attaches the adapter again
on top of weights that already contain it, so the reloaded model differs from the merged one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro


def _merged(tiny_llama: Callable[..., Any], tmp_path: Path, torch: Any) -> Any:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    tiny_llama().save_pretrained(tmp_path / "base")
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tmp_path / "base"), lora)
    model.save_pretrained(tmp_path / "out")
    return model.merge_and_unload()


def test_merged_model_saved_over_adapter_reloads_with_adapter_and_clean_dir_clears_it(
    tiny_llama: Callable[..., Any], tmp_path: Path, torch_mod: Any, input_ids: Any
) -> None:
    from transformers import AutoModelForCausalLM

    merged = _merged(tiny_llama, tmp_path, torch_mod)
    merged.save_pretrained(tmp_path / "out")  # same directory as the adapter
    with torch_mod.no_grad():
        expected = merged(input_ids=input_ids).logits
        reloaded = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
        drift = (reloaded(input_ids=input_ids).logits - expected).abs().max().item()
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "adapter_config.json" in files and hasattr(reloaded, "peft_config") and drift > 1e-4

    report = (
        f"I merged my LoRA with merge_and_unload and saved it into the adapter folder ({', '.join(files)}); "
        f"loading it with AutoModelForCausalLM.from_pretrained gives different outputs than the merged model "
        f"and the model has a peft_config."
    )
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "merged-model-leftover-adapter"

    merged.save_pretrained(tmp_path / "merged")  # the fix: a directory of its own
    with torch_mod.no_grad():
        clean = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
        assert torch_mod.allclose(clean(input_ids=input_ids).logits, expected, atol=1e-5)
    assert not hasattr(clean, "peft_config")
