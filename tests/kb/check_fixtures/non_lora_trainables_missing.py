"""non-lora-trainables-missing: a LLaVA LoRA run's checkpoint-N folder, as the Trainer writes it.

The fault is the adapter alone (adapter_config.json, adapter_model.safetensors) in
``llava-v1.5-7b-lora/checkpoint-1000``; the clean state is the same folder with the non-LoRA
trainables saved beside it as LLaVA's train.py saves them (``torch.save`` of a name → tensor dict).
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model, saved


def checkpoint(tmp_path: Path) -> Scenario:
    model = clean_model()
    folder = saved(model, tmp_path / "llava-v1.5-7b-lora" / "checkpoint-1000")
    return Scenario(model, "inference", {"adapter_dir": folder})


def fault(tmp_path: Path) -> Scenario:
    return checkpoint(tmp_path)


def clean(tmp_path: Path) -> Scenario:
    import torch

    scenario = checkpoint(tmp_path)
    projector = {"base_model.model.model.mm_projector.0.weight": torch.zeros(4, 4)}
    torch.save(projector, Path(scenario.context["adapter_dir"]) / "non_lora_trainables.bin")
    return scenario
