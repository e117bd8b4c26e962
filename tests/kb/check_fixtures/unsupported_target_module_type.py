"""unsupported-target-module-type: target_modules naming the MLP block (LlamaMLP) beside q_proj.

get_peft_model raised, so the model is the plain base and the config comes beside it.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, tiny


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    return Scenario(tiny(), "inference", {"peft_config": LoraConfig(r=4, target_modules=["q_proj", "mlp"])})


def clean(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    config = LoraConfig(r=4, target_modules=["q_proj", "up_proj", "down_proj"])
    return Scenario(tiny(), "inference", {"peft_config": config})
