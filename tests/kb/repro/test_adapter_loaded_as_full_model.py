"""adapter-loaded-as-full-model: a saved adapter directory given to AutoConfig, reproduced on CPU.

transformers 5.x resolves an adapter directory by itself only in AutoModel*.from_pretrained; the
config (and everything built on it: tokenizer, pipeline, other runtimes) still needs a full model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_adapter_dir_as_model_fails_and_loading_through_peft_clears_it(
    tiny_llama: Callable[..., Any], tmp_path: Path, input_ids: Any
) -> None:
    from peft import AutoPeftModelForCausalLM, LoraConfig, PeftConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    tiny_llama().save_pretrained(tmp_path / "base")
    base = AutoModelForCausalLM.from_pretrained(tmp_path / "base")
    lora = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    get_peft_model(base, lora).save_pretrained(tmp_path / "my-adapter")

    with pytest.raises(ValueError, match="Unrecognized model in") as caught:
        AutoConfig.from_pretrained(tmp_path / "my-adapter")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adapter-loaded-as-full-model"

    # the fix: the adapter knows its base; load both through peft
    base_path = PeftConfig.from_pretrained(tmp_path / "my-adapter").base_model_name_or_path
    assert AutoConfig.from_pretrained(base_path).model_type == "llama"
    model = AutoPeftModelForCausalLM.from_pretrained(tmp_path / "my-adapter")
    assert model(input_ids=input_ids).logits.shape[-1] == 128
