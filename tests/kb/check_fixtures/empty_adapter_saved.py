"""empty-adapter-saved: a saved adapter cut short in its data (a copy that stopped early)."""

from __future__ import annotations

import os
from pathlib import Path

from . import Scenario, clean_inference, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    adapter = saved(model, tmp_path / "truncated")
    path = os.path.join(adapter, "adapter_model.safetensors")
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) - 100)
    return Scenario(model, "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
