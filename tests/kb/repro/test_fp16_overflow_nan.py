"""fp16-overflow-nan: activations overflow float16 and sampling meets inf/nan, reproduced on CPU.

The tiny model's final norm and head are scaled up so its logits exceed float16's range (65504), as
large activations do in real checkpoints trained in bf16; the same weights in bfloat16 stay finite.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _with_large_activations(model: Any, torch: Any) -> Any:
    with torch.no_grad():
        model.model.norm.weight.fill_(300.0)
        model.lm_head.weight.mul_(1000.0)
    return model


def test_fp16_overflow_breaks_sampling_and_bf16_clears_it(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(_with_large_activations(tiny_llama(), torch_mod).to(torch_mod.float16), lora)
    with pytest.raises(RuntimeError, match="probability tensor contains either") as caught:
        model.generate(input_ids=input_ids, do_sample=True, max_new_tokens=2, pad_token_id=0)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "fp16-overflow-nan"

    fixed = get_peft_model(_with_large_activations(tiny_llama(), torch_mod).to(torch_mod.bfloat16), lora)
    output = fixed.generate(input_ids=input_ids, do_sample=True, max_new_tokens=2, pad_token_id=0)
    assert output.shape[1] == input_ids.shape[1] + 2
