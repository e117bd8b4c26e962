"""adapter-weights-not-finite-on-merge: a LoRA weight holding NaN, merged with and without safe_merge, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_nan_in_lora_b_fails_safe_merge_and_silently_poisons_a_plain_merge(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path
) -> None:
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(tiny_llama(), config)
    model.save_pretrained(tmp_path / "good")  # a checkpoint from before the weights went bad
    with torch.no_grad():  # what a diverged fp16 step leaves behind
        model.base_model.model.model.layers[1].self_attn.v_proj.lora_B["default"].weight[0, 0] = float("nan")

    with pytest.raises(ValueError, match="NaNs detected in the merged weights") as caught:
        model.merge_and_unload(safe_merge=True)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adapter-weights-not-finite-on-merge"

    # without safe_merge nothing is raised: the merged model just computes NaN
    plain = model.merge_and_unload()
    assert torch.isnan(plain(input_ids).logits).all()

    # the fix: find the bad tensors, go back to a finite checkpoint; it merges cleanly
    restored = PeftModel.from_pretrained(tiny_llama(), tmp_path / "good")
    bad = [n for n, p in restored.named_parameters() if "lora_" in n and not torch.isfinite(p).all()]
    assert bad == []
    merged = restored.merge_and_unload(safe_merge=True)
    assert torch.isfinite(merged(input_ids).logits).all()
