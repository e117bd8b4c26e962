"""generate-positional-args: input_ids passed positionally to a kwargs-only PeftModel.generate, on CPU.

PeftModelForCausalLM.generate took ``**kwargs`` only up to peft 0.8.1; PeftModelForSeq2SeqLM.generate
still does in peft 0.21.2, so a tiny T5 reproduces the same TypeError with today's releases.
"""

from __future__ import annotations

from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _tiny_t5_lora() -> Any:
    from peft import LoraConfig, get_peft_model
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(vocab_size=128, d_model=32, d_ff=64, d_kv=8, num_layers=2, num_heads=4, decoder_start_token_id=0)
    lora = LoraConfig(task_type="SEQ_2_SEQ_LM", r=4, lora_alpha=8, target_modules=["q", "v"])
    return get_peft_model(T5ForConditionalGeneration(config).eval(), lora)


def test_positional_input_ids_to_generate_fail_and_keyword_clears_it(seeded: None, input_ids: Any) -> None:
    model = _tiny_t5_lora()
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given") as caught:
        model.generate(input_ids, max_new_tokens=2)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "generate-positional-args"

    output = model.generate(input_ids=input_ids, max_new_tokens=2)  # the fix: pass it by keyword
    assert output.shape[0] == 1
