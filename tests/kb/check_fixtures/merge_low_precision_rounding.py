"""merge-low-precision-rounding: a trained LoRA merged (merge_adapter) into a bfloat16 base.

The clean state is the same trained adapter merged the way the fix says, in float32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, clean_model


def _merged(dtype: Any) -> Any:
    model = clean_model().to(dtype)
    model.base_model.merge_adapter()
    return model


def fault(tmp_path: Path) -> Scenario:
    import torch

    return Scenario(_merged(torch.bfloat16), "inference")


def clean(tmp_path: Path) -> Scenario:
    import torch

    return Scenario(_merged(torch.float32), "inference")
