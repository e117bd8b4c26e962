"""fp16-overflow-nan: a LoRA model on a float16 base whose final norm and head are scaled up, as in the repro.

The scaled weights push the logits past float16's 65504 (large activations of a bf16-trained
checkpoint); the clean state is the same float16 LoRA model with the weights as initialised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    import torch

    base: Any = tiny()
    with torch.no_grad():
        base.model.norm.weight.fill_(300.0)
        base.lm_head.weight.mul_(1000.0)
    return Scenario(trained(lora(base.half())), "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny().half())), "inference")
