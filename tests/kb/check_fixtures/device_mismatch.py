"""device-mismatch: one LoRA A on another device (meta) than its base layer."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    layer = model.base_model.model.model.layers[0].self_attn.q_proj
    layer.lora_A.to("meta")
    return Scenario(model, "inference")


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
