r"""target-modules-regex-partial: ``layers\.\d\.`` on a 12-layer model (layers 10 and 11 left out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import LLAMA, Scenario, lora, trained

PATTERN = r"model\.layers\.\d\.self_attn\.(q_proj|v_proj)"


def twelve_layers() -> Any:
    """The tiny Llama with 12 layers, so layer indices reach two digits."""
    import torch
    import transformers

    torch.manual_seed(0)
    config: Any = transformers.LlamaConfig(**{**LLAMA, "num_hidden_layers": 12})
    model_class: Any = transformers.LlamaForCausalLM
    return model_class(config).eval()


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(twelve_layers(), target_modules=PATTERN)), "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(twelve_layers(), target_modules=PATTERN.replace(r"\d", r"\d+"))), "inference")
