"""remove-unused-columns-dropped-inputs: a compiled PeftModel hides its forward signature, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _args(tmp_path: Path, **overrides: Any) -> Any:
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(tmp_path), max_steps=1, report_to=[], use_cpu=True, save_strategy="no", **overrides
    )


def test_compiled_peft_model_loses_columns_and_keeping_them_trains(
    tiny_llama: Callable[..., Any], torch_mod: Any, tmp_path: Path
) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer

    data = [{"input_ids": [1, 5, 9, 17], "labels": [1, 5, 9, 17]}] * 2
    compiled = torch_mod.compile(get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"])))

    with pytest.raises(ValueError, match="The batch received was empty") as caught:
        Trainer(model=compiled, args=_args(tmp_path), train_dataset=data).train()

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "remove-unused-columns-dropped-inputs"

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"]))
    trainer = Trainer(model=model, args=_args(tmp_path, remove_unused_columns=False), train_dataset=data)  # the fix
    trainer.train()
