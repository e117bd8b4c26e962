"""xlora-use-cache: an XLoraConfig over two saved LoRA experts beside a tiny Llama with use_cache=True
(get_peft_model raised, so the model is the plain one); clean: the same with use_cache=False.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, saved, tiny


def xlora_config(tmp_path: Path) -> Any:
    from peft import XLoraConfig

    adapters = {number: saved(lora(tiny()), tmp_path / f"expert-{number}") for number in ("0", "1")}
    return XLoraConfig(task_type="CAUSAL_LM", hidden_size=32, xlora_depth=1, adapters=adapters)


def fault(tmp_path: Path) -> Scenario:
    model = tiny()
    model.config.use_cache = True
    return Scenario(model, "inference", {"peft_config": xlora_config(tmp_path)})


def clean(tmp_path: Path) -> Scenario:
    model = tiny()
    model.config.use_cache = False
    return Scenario(model, "inference", {"peft_config": xlora_config(tmp_path)})
