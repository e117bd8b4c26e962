"""adalora-update-and-allocate-not-called: an AdaLoRA adapter saved without any rank reallocation.

The clean state ran a real step: forward, backward, then update_and_allocate past tinit and at
total_step - tfinal, which writes rank_pattern.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, saved, tiny


def adalora() -> Any:
    from peft import AdaLoraConfig, get_peft_model

    config = AdaLoraConfig(
        target_modules=["q_proj", "v_proj"], total_step=100, init_r=8, target_r=4, tinit=10, tfinal=10
    )
    return get_peft_model(tiny(), config)


def fault(tmp_path: Path) -> Scenario:
    model = adalora()
    return Scenario(model.eval(), "inference", {"adapter_dir": saved(model, tmp_path / "adalora")})


def clean(tmp_path: Path) -> Scenario:
    import torch

    model = adalora().train()
    torch.manual_seed(0)
    ids = torch.randint(0, 128, (1, 8))
    model(input_ids=ids, labels=ids).loss.backward()
    model.base_model.update_and_allocate(50)
    model.base_model.update_and_allocate(90)
    model.zero_grad()
    return Scenario(model.eval(), "inference", {"adapter_dir": saved(model, tmp_path / "adalora")})
