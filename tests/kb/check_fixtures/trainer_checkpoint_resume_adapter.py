"""trainer-checkpoint-resume-adapter: a checkpoint folder whose adapter sits two levels down.

A non-default adapter saved into a subfolder of the checkpoint (``save_pretrained(ckpt / "adapters",
selected_adapters=["sql"])`` writes ``adapters/sql/``) beside trainer_state.json: Trainer finds nothing
it can resume from.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model, saved


def _args(tmp_path: Path, checkpoint: Path) -> object:
    from transformers import TrainingArguments

    return TrainingArguments(output_dir=str(tmp_path / "out"), resume_from_checkpoint=str(checkpoint), report_to=[])


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    model = clean_model()
    model.add_adapter("sql", LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    checkpoint = tmp_path / "checkpoint-500"
    model.save_pretrained(str(checkpoint / "adapters"), selected_adapters=["sql"])  # writes adapters/sql/
    (checkpoint / "trainer_state.json").write_text("{}")
    model.train()
    return Scenario(model, "training", {"training_args": _args(tmp_path, checkpoint)})


def clean(tmp_path: Path) -> Scenario:
    model = clean_model()
    checkpoint = tmp_path / "checkpoint-500"
    saved(model, checkpoint)
    (checkpoint / "trainer_state.json").write_text("{}")
    model.train()
    return Scenario(model, "training", {"training_args": _args(tmp_path, checkpoint)})
