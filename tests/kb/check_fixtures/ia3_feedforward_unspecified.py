"""ia3-feedforward-unspecified: an IA3Config with target_modules but no feedforward_modules.

get_peft_model raised, so the model is the plain one and the config comes beside it: a custom torch
model (model_type ``custom``) for the fault, the tiny Llama (peft's IA3 table has ``llama``) for the clean state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def custom() -> Any:
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)).eval()


def fault(tmp_path: Path) -> Scenario:
    from peft import IA3Config

    return Scenario(custom(), "inference", {"peft_config": IA3Config(target_modules=["0", "2"])})


def clean(tmp_path: Path) -> Scenario:
    from peft import IA3Config

    return Scenario(tiny(), "inference", {"peft_config": IA3Config(target_modules=["k_proj", "v_proj", "down_proj"])})
