"""merge-low-precision-rounding: merging LoRA into bf16 weights rounds, unmerging does not undo it, on CPU."""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro


def _merge_errors(base: Any, dtype: Any, torch: Any, input_ids: Any) -> tuple[float, float]:
    """(max |merged - unmerged| logits, max drift of a base weight after 10 merge/unmerge cycles)."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(1)
    lora = LoraConfig(r=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)  # a non-zero update
    model = get_peft_model(copy.deepcopy(base).to(dtype), lora, autocast_adapter_dtype=False).eval()
    layer = model.base_model.model.model.layers[0].self_attn.q_proj.base_layer
    before = layer.weight.detach().float().clone()
    with torch.no_grad():
        unmerged = model(input_ids).logits.float()
        model.merge_adapter()
        merged = model(input_ids).logits.float()
        model.unmerge_adapter()
        for _ in range(9):
            model.merge_adapter()
            model.unmerge_adapter()
    drift = (layer.weight.detach().float() - before).abs().max().item()
    return (merged - unmerged).abs().max().item(), drift


def test_bf16_merge_rounds_and_fp32_merge_is_exact_to_float_precision(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    base = tiny_llama(hidden_size=64, intermediate_size=128)
    logits_error, drift = _merge_errors(base, torch_mod.bfloat16, torch_mod, input_ids)
    assert logits_error > 1e-4 and drift > 1e-5

    report = (
        f"After merging my LoRA adapter into the bf16 model the logits differ by {logits_error:.4f} from the "
        f"unmerged model, and after merge/unmerge cycles the bfloat16 base weights drift by {drift:.5f}"
    )
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "merge-low-precision-rounding"

    fp32_logits_error, fp32_drift = _merge_errors(base, torch_mod.float32, torch_mod, input_ids)  # the fix
    assert fp32_logits_error < logits_error / 100 and fp32_drift < drift / 100
