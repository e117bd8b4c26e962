"""alora-forward-twice-with-gradient-checkpointing: an aLoRA model with gradient checkpointing after a
no-grad forward (hooks left behind), and the same model after a forward and its backward.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny, trained

IDS = [[1, 5, 9, 17, 33, 2]]


def _alora() -> Any:
    from peft import LoraConfig, get_peft_model

    base = tiny()
    base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], alora_invocation_tokens=[9], task_type="CAUSAL_LM")
    return trained(get_peft_model(base, config))


def fault(tmp_path: Path) -> Scenario:
    import torch

    model = _alora()
    with torch.no_grad():
        model(input_ids=torch.tensor(IDS))  # an evaluation pass: no backward follows
    return Scenario(model, "training")


def clean(tmp_path: Path) -> Scenario:
    import torch

    model = _alora().train()
    model(input_ids=torch.tensor(IDS), labels=torch.tensor(IDS)).loss.backward()
    model.zero_grad(set_to_none=True)
    return Scenario(model.eval(), "training")
