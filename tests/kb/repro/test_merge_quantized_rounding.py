"""merge-quantized-rounding: merging LoRA into bitsandbytes 4-bit weights rounds the result.

Needs bitsandbytes kernels and a CUDA device; skipped elsewhere (the entry says it is not reproduced
on CPU).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .warning_paste import find_warning, format_warning

pytestmark = pytest.mark.repro


def test_merging_into_4bit_warns_and_deviates_while_a_bf16_merge_matches(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any, tmp_path: Path
) -> None:
    pytest.importorskip("bitsandbytes")
    if not torch_mod.cuda.is_available():
        pytest.skip("bitsandbytes 4-bit layers need a CUDA device")
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import BitsAndBytesConfig, LlamaForCausalLM

    tiny_llama(hidden_size=64, intermediate_size=128).save_pretrained(tmp_path / "base")
    config = LoraConfig(target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(LlamaForCausalLM.from_pretrained(tmp_path / "base"), config).save_pretrained(tmp_path / "lora")
    ids = input_ids.cuda()

    quantized = LlamaForCausalLM.from_pretrained(
        tmp_path / "base", quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map="cuda"
    )
    model = PeftModel.from_pretrained(quantized, tmp_path / "lora")
    with torch_mod.no_grad():
        unmerged = model(input_ids=ids).logits.float()
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        merged_model = model.merge_and_unload()
    with torch_mod.no_grad():
        merged = merged_model(input_ids=ids).logits.float()
    assert float((merged - unmerged).abs().max()) > 0.0

    warning = find_warning(records, "may get different generations due to rounding errors")
    assert diagnose_text(format_warning(warning))[0].id == "merge-quantized-rounding"

    # the fix: merge into a full-precision base instead
    full = PeftModel.from_pretrained(LlamaForCausalLM.from_pretrained(tmp_path / "base").cuda(), tmp_path / "lora")
    with torch_mod.no_grad():
        before = full(input_ids=ids).logits
        after = full.merge_and_unload()(input_ids=ids).logits
    assert float((before - after).abs().max()) < 1e-4
