"""eval-mode-dropout: LoRA dropout active at inference (train mode); clean in eval mode."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny(), lora_dropout=0.1)).train(), "inference")


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
