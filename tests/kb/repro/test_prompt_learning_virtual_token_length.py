"""prompt-learning-virtual-token-length: virtual tokens overflow GPT-2's position table, on CPU."""

from __future__ import annotations

from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

POSITIONS = 16
VIRTUAL_TOKENS = 10


def _tiny_gpt2(torch: Any) -> Any:
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(
        n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=POSITIONS, bos_token_id=0, eos_token_id=0
    )
    return GPT2LMHeadModel(config)


@pytest.mark.parametrize("method", ["prompt", "prefix"])
def test_inputs_that_fit_the_base_overflow_with_virtual_tokens_and_truncation_fixes_it(
    method: str, torch_mod: Any
) -> None:
    from peft import PrefixTuningConfig, PromptTuningConfig, get_peft_model

    config_cls = PromptTuningConfig if method == "prompt" else PrefixTuningConfig
    config = config_cls(task_type="CAUSAL_LM", num_virtual_tokens=VIRTUAL_TOKENS)
    ids = torch_mod.randint(0, 128, (1, 10))
    _tiny_gpt2(torch_mod)(input_ids=ids, labels=ids)  # 10 positions: fine without the adapter

    model = get_peft_model(_tiny_gpt2(torch_mod), config)
    with pytest.raises(IndexError, match="index out of range in self") as caught:
        model(input_ids=ids, attention_mask=torch_mod.ones_like(ids), labels=ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "prompt-learning-virtual-token-length"

    short = ids[:, : POSITIONS - VIRTUAL_TOKENS]  # the fix: leave room for the virtual tokens
    loss = model(input_ids=short, attention_mask=torch_mod.ones_like(short), labels=short).loss
    assert torch_mod.isfinite(loss)
