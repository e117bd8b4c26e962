"""conv1d-fan-in-fan-out: a LoraConfig for GPT-2's Conv1D c_attn written without fan_in_fan_out=True.

The config is checked before get_peft_model (which would correct it and warn), beside the plain model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario


def gpt2() -> Any:
    """A two-layer GPT-2 from a config: its attention and MLP are transformers' Conv1D."""
    import torch
    import transformers

    torch.manual_seed(0)
    config: Any = transformers.GPT2Config(
        n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=64, bos_token_id=0, eos_token_id=0
    )
    model_class: Any = transformers.GPT2LMHeadModel
    return model_class(config).eval()


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    return Scenario(gpt2(), "inference", {"peft_config": LoraConfig(r=4, target_modules=["c_attn"])})


def clean(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    config = LoraConfig(r=4, target_modules=["c_attn"], fan_in_fan_out=True)
    return Scenario(gpt2(), "inference", {"peft_config": config})
