"""boft-in-features-not-divisible: BOFTConfig(boft_block_size=32) on q_proj/v_proj (in 32) and down_proj
(in 48) of a tiny Llama: 48 is not divisible by 32. Clean: boft_block_size=16 divides both.

get_peft_model raised, so the model is the plain one and the config comes beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import LLAMA, Scenario

TARGETS = ["q_proj", "v_proj", "down_proj"]


def llama_48() -> Any:
    """The tiny Llama with intermediate_size 48 (down_proj in_features 48)."""
    import torch
    import transformers

    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(transformers.LlamaConfig(**{**LLAMA, "intermediate_size": 48})).eval()


def fault(tmp_path: Path) -> Scenario:
    from peft import BOFTConfig

    config = BOFTConfig(boft_block_size=32, target_modules=TARGETS)
    return Scenario(llama_48(), "inference", {"peft_config": config})


def clean(tmp_path: Path) -> Scenario:
    from peft import BOFTConfig

    config = BOFTConfig(boft_block_size=16, target_modules=TARGETS)
    return Scenario(llama_48(), "inference", {"peft_config": config})
