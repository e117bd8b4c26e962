"""adapter-weights-file-missing: a saved adapter folder whose adapter_model.safetensors is gone."""

from __future__ import annotations

import os
from pathlib import Path

from . import Scenario, clean_inference, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    adapter = saved(model, tmp_path / "lora")
    os.remove(os.path.join(adapter, "adapter_model.safetensors"))
    return Scenario(model, "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
