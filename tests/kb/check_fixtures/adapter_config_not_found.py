"""adapter-config-not-found: the Trainer's output_dir given where its checkpoint-N subfolder belongs."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    output_dir = tmp_path / "output"
    saved(model, output_dir / "checkpoint-500")
    return Scenario(model, "inference", {"adapter_dir": str(output_dir)})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
