"""trainer-checkpoint-resume-adapter: resuming from a folder whose adapter sits two levels down, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_resume_without_adapter_at_top_fails_and_trainable_reload_trains(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(tmp_path / "run"), max_steps=1, report_to=[], use_cpu=True, save_strategy="no"
    )
    data = [{"input_ids": [1, 5, 9, 17], "labels": [1, 5, 9, 17]}] * 2
    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"]), adapter_name="sft")
    checkpoint = tmp_path / "run" / "checkpoint-10"
    model.save_pretrained(checkpoint / "adapter")  # a non-default adapter lands in adapter/sft/
    assert (checkpoint / "adapter" / "sft" / "adapter_model.safetensors").is_file()

    with pytest.raises(ValueError, match="Can't find a valid checkpoint") as caught:
        Trainer(model=model, args=args, train_dataset=data).train(resume_from_checkpoint=str(checkpoint))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "trainer-checkpoint-resume-adapter"

    reloaded = PeftModel.from_pretrained(tiny_llama(), checkpoint / "adapter" / "sft", is_trainable=True)  # the fix
    Trainer(model=reloaded, args=args, train_dataset=data).train()
