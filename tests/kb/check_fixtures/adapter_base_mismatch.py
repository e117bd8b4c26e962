"""adapter-base-mismatch: an adapter trained on a wider Llama, beside the smaller base it is loaded onto.

The model is the plain base, as ``peft-why verify`` has it once ``PeftModel.from_pretrained`` failed
on the size mismatch; the clean state is an adapter loaded onto its own base.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import LLAMA, Scenario, clean_inference, lora, saved, tiny, trained


def wider() -> Any:
    """The tiny Llama at hidden size 48: the same module names, other shapes."""
    import torch
    import transformers

    torch.manual_seed(0)
    config: Any = transformers.LlamaConfig(**{**LLAMA, "hidden_size": 48, "intermediate_size": 96})
    model_class: Any = transformers.LlamaForCausalLM
    return model_class(config).eval()


def fault(tmp_path: Path) -> Scenario:
    adapter = saved(trained(lora(wider())), tmp_path / "wide")
    return Scenario(tiny(), "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
