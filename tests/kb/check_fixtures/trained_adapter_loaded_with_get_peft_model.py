"""trained-adapter-loaded-with-get-peft-model: a fresh (B = 0) adapter beside a saved trained one."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model, lora, saved, tiny


def fault(tmp_path: Path) -> Scenario:
    adapter = saved(clean_model(), tmp_path / "trained")
    return Scenario(lora(tiny()).eval(), "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
