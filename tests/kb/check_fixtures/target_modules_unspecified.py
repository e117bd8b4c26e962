"""target-modules-unspecified: a LoraConfig without target_modules for a custom torch model (no config).

get_peft_model raised, so the model is the plain one and the config comes beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def custom() -> Any:
    """A small custom torch model: no ``config``, so peft sees model_type ``custom``."""
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)).eval()


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    return Scenario(custom(), "inference", {"peft_config": LoraConfig(r=4)})


def clean(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    return Scenario(tiny(), "inference", {"peft_config": LoraConfig(r=4)})
