"""xlora-dora-unsupported: an XLoraConfig over two LoRA experts saved with use_dora=True, beside a tiny
Llama with use_cache=False (so only this fault is planted); clean: the same experts without DoRA.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, saved, tiny


def scenario(tmp_path: Path, use_dora: bool) -> Scenario:
    from peft import XLoraConfig

    adapters = {n: saved(lora(tiny(), use_dora=use_dora), tmp_path / f"expert-{n}") for n in ("0", "1")}
    config = XLoraConfig(task_type="CAUSAL_LM", hidden_size=32, xlora_depth=1, adapters=adapters)
    model: Any = tiny()
    model.config.use_cache = False
    return Scenario(model, "inference", {"peft_config": config})


def fault(tmp_path: Path) -> Scenario:
    return scenario(tmp_path, True)


def clean(tmp_path: Path) -> Scenario:
    return scenario(tmp_path, False)
