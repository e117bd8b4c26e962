"""trainable-tokens-wrapper-attribute: a LoRA model whose embed_tokens is in trainable_token_indices.

The fault is the model as the installed peft builds it: embed_tokens sits in a TrainableTokensWrapper whose
adapter is active, so only ``weight`` reaches the embedding. The clean state is the same model with its
adapter layers disabled (what ``with model.disable_adapter():`` does), where the wrapper answers from the
original module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, tiny, trained


def token_model() -> Any:
    model = tiny(pad_token_id=0)
    return trained(lora(model, target_modules=["q_proj"], trainable_token_indices={"embed_tokens": [3, 4]}))


def fault(tmp_path: Path) -> Scenario:
    return Scenario(token_model(), "inference")


def clean(tmp_path: Path) -> Scenario:
    model = token_model()
    model.base_model.disable_adapter_layers()
    return Scenario(model, "inference")
