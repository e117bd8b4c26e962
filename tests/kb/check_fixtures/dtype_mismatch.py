"""dtype-mismatch: LoRA B in fp16 beside fp32 LoRA A and base weights."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    for name, module in model.named_modules():
        if name.endswith("lora_B"):
            module.half()
    return Scenario(model, "inference")


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
