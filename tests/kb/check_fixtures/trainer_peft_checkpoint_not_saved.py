"""trainer-peft-checkpoint-not-saved: a Trainer whose best checkpoint holds full-model weights, no adapter file."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from . import Scenario, clean_model, saved


def _trainer(checkpoint: Path) -> SimpleNamespace:
    """What the check reads of a live Trainer: its state's best_model_checkpoint."""
    return SimpleNamespace(state=SimpleNamespace(best_model_checkpoint=str(checkpoint)), args=SimpleNamespace())


def fault(tmp_path: Path) -> Scenario:
    from safetensors.torch import save_file

    model = clean_model()
    checkpoint = tmp_path / "run" / "checkpoint-20"
    saved(model, checkpoint)
    weights = {key: value.contiguous() for key, value in model.get_base_model().state_dict().items()}
    save_file(weights, str(checkpoint / "model.safetensors"))
    os.remove(checkpoint / "adapter_model.safetensors")
    return Scenario(model.train(), "training", {"trainer": _trainer(checkpoint)})


def clean(tmp_path: Path) -> Scenario:
    model = clean_model()
    checkpoint = tmp_path / "run" / "checkpoint-20"
    saved(model, checkpoint)
    return Scenario(model.train(), "training", {"trainer": _trainer(checkpoint)})
