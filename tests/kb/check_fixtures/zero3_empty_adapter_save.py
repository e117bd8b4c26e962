"""zero3-empty-adapter-save: a saved adapter whose tensors are all empty (ZeRO-3 partitions)."""

from __future__ import annotations

import os
from pathlib import Path

from . import Scenario, clean_inference, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    model = clean_model()
    adapter = saved(model, tmp_path / "zero3")
    path = os.path.join(adapter, "adapter_model.safetensors")
    with safe_open(path, framework="pt") as handle:
        names = list(handle.keys())
    save_file({name: torch.empty(0) for name in names}, path)
    return Scenario(model, "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
