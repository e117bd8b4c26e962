"""trainer-peft-checkpoint-not-saved: load_best_model_at_end with a best checkpoint that holds no adapter file.

The checkpoint's adapter file is replaced by the full model's weights in ``on_save`` (a stand-in for a
custom save that writes the whole model instead of the adapter). Trainer then finds model weights but no
``adapter_model.*``, warns, and keeps the last weights instead of the best ones.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

ID = "trainer-peft-checkpoint-not-saved"
DATA = [{"input_ids": [1, 5, 9, 17], "labels": [1, 5, 9, 17]}] * 4


@pytest.fixture
def propagating() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    hf_logging.enable_propagation()
    yield
    hf_logging.disable_propagation()


def train(model: Any, output_dir: Path, callbacks: list[Any]) -> Any:
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(output_dir), max_steps=2, per_device_train_batch_size=2, report_to=[], use_cpu=True,
        eval_strategy="steps", eval_steps=1, save_strategy="steps", save_steps=1, load_best_model_at_end=True,
    )  # fmt: skip
    trainer = Trainer(model=model, args=args, train_dataset=DATA, eval_dataset=DATA[:2], callbacks=callbacks)
    trainer.train()
    return trainer


def test_best_checkpoint_without_adapter_file_is_not_loaded(
    tiny_llama: Callable[..., Any], tmp_path: Path, caplog: pytest.LogCaptureFixture, propagating: None
) -> None:
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file
    from transformers import TrainerCallback

    class FullModelInsteadOfAdapter(TrainerCallback):
        def on_save(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            checkpoint = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
            weights = {key: value.contiguous() for key, value in model.get_base_model().state_dict().items()}
            save_file(weights, os.path.join(checkpoint, "model.safetensors"))
            os.remove(os.path.join(checkpoint, "adapter_model.safetensors"))

    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"])
    with caplog.at_level(logging.WARNING, logger="transformers"):
        trainer = train(get_peft_model(tiny_llama(), config), tmp_path / "run", [FullModelInsteadOfAdapter()])
    warnings = [
        record.getMessage() for record in caplog.records if "intermediate checkpoints of PEFT" in record.getMessage()
    ]
    assert warnings == [
        "The intermediate checkpoints of PEFT may not be saved correctly, consider using a custom callback to save "
        "adapter_model.bin in corresponding saving folders. Check some examples here: "
        "https://github.com/huggingface/peft/issues/96"
    ]
    assert not os.path.exists(os.path.join(trainer.state.best_model_checkpoint, "adapter_model.safetensors"))

    diagnoses = diagnose_text(warnings[0])
    assert diagnoses and diagnoses[0].id == ID

    # the fix: leave Trainer's own checkpoint saving alone; the best adapter is then found and loaded
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="transformers"):
        trainer = train(get_peft_model(tiny_llama(), config), tmp_path / "fixed", [])
    assert not [record for record in caplog.records if "intermediate checkpoints of PEFT" in record.getMessage()]
    assert os.path.isfile(os.path.join(trainer.state.best_model_checkpoint, "adapter_model.safetensors"))
