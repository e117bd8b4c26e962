"""hotswap-adapters-incompatible: a LoRA loaded on the model and a saved one with another lora_dropout beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def _saved(folder: Path, **options: Any) -> str:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False, **options)
    get_peft_model(tiny(), config).save_pretrained(str(folder))
    return str(folder)


def _scenario(tmp_path: Path, **incoming: Any) -> Scenario:
    from peft import PeftModel

    model = PeftModel.from_pretrained(tiny(), _saved(tmp_path / "loaded")).eval()
    return Scenario(model, "inference", {"adapter_dir": _saved(tmp_path / "incoming", **incoming)})


def fault(tmp_path: Path) -> Scenario:
    return _scenario(tmp_path, lora_dropout=0.1)


def clean(tmp_path: Path) -> Scenario:
    return _scenario(tmp_path, lora_alpha=32)
