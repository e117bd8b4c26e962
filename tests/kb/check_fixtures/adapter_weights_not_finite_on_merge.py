"""adapter-weights-not-finite-on-merge: a trained LoRA with one inf in a lora_B, as a diverged run leaves it.

inf rather than NaN: the contract compares the model before and after the check element-wise, and
NaN never equals itself; safe_merge's torch.isfinite refuses both alike. The clean state is the same
trained adapter with every weight finite.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model


def fault(tmp_path: Path) -> Scenario:
    import torch

    model = clean_model()
    with torch.no_grad():
        model.base_model.model.model.layers[1].self_attn.v_proj.lora_B["default"].weight[3, 1] = float("inf")
    return Scenario(model, "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(clean_model(), "inference")
