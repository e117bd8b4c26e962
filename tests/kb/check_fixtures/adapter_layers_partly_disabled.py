"""adapter-layers-partly-disabled: adapter layers disabled, then a second adapter added (its layers enabled)."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    model = lora(tiny(), target_modules=["q_proj"])
    model.base_model.disable_adapter_layers()
    model.add_adapter("other", LoraConfig(r=4, target_modules=["v_proj"]))
    return Scenario(trained(model), "inference")


def clean(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    model = lora(tiny(), target_modules=["q_proj"])
    model.add_adapter("other", LoraConfig(r=4, target_modules=["v_proj"]))
    return Scenario(trained(model), "inference")
