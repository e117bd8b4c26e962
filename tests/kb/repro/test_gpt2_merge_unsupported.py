"""gpt2-merge-unsupported: reproduced with peft 0.3.0 in a side venv, the fix (a newer peft) checked here.

``side_venv/gpt2_merge_unsupported.py`` raised the ValueError with peft 0.3.0; its recorded
traceback must still be diagnosed, and the installed peft must merge a GPT-2 LoRA model exactly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

RECORDED = Path(__file__).parent / "side_venv" / "gpt2_merge_unsupported.out"


def test_recorded_peft030_traceback_is_diagnosed() -> None:
    tracebacks = re.findall(
        r"Traceback \(most recent call last\):\n.*?\nValueError: [^\n]+", RECORDED.read_text(), re.S
    )
    assert len(tracebacks) == 1
    diagnoses = diagnose_text(tracebacks[0])
    assert diagnoses and diagnoses[0].id == "gpt2-merge-unsupported"


def test_current_peft_merges_gpt2_conv1d_lora_exactly(torch_mod: Any) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    torch_mod.manual_seed(0)
    config = GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=64, bos_token_id=0, eos_token_id=0)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], fan_in_fan_out=True, init_lora_weights=False)
    model = get_peft_model(GPT2LMHeadModel(config), lora).eval()
    ids = torch_mod.tensor([[1, 5, 9, 17, 33, 2]])
    with torch_mod.no_grad():
        unmerged = model(ids).logits
        merged = model.merge_and_unload()
        assert type(merged).__name__ == "GPT2LMHeadModel"
        assert torch_mod.allclose(merged(ids).logits, unmerged, atol=1e-5)
