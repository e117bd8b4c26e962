"""quantized-model-needs-adapter: Trainer's quantized-model guard, simulated on CPU.

bitsandbytes is not run: the tiny fp32 model gets the flags a bnb-quantized model
carries (``is_quantized``, an ``hf_quantizer`` that supports training), and
Trainer's own check decides.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _fake_quantized(model: Any) -> Any:
    model.is_quantized = True
    model.hf_quantizer = types.SimpleNamespace(is_trainable=True, is_qat_trainable=False)
    return model


def test_trainer_refuses_bare_quantized_model_and_accepts_it_with_lora(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(output_dir=str(tmp_path), max_steps=1, report_to=[], use_cpu=True, save_strategy="no")
    data = [{"input_ids": [1, 5, 9, 17], "labels": [1, 5, 9, 17]}] * 2

    with pytest.raises(ValueError, match="purely quantized models") as caught:
        Trainer(model=_fake_quantized(tiny_llama()), args=args, train_dataset=data)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "quantized-model-needs-adapter"

    model = get_peft_model(_fake_quantized(tiny_llama()), LoraConfig(r=4, target_modules=["q_proj"]))  # the fix
    Trainer(model=model, args=args, train_dataset=data)
