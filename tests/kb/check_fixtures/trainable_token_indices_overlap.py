"""trainable-token-indices-overlap: two trainable-token adapters on embed_tokens, overlapping or disjoint ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def _two_adapters(first: list[int], second: list[int]) -> Any:
    from peft import TrainableTokensConfig, get_peft_model

    model = get_peft_model(tiny(), TrainableTokensConfig(token_indices=first))
    model.add_adapter("extra", TrainableTokensConfig(token_indices=second))
    return model.eval()


def fault(tmp_path: Path) -> Scenario:
    return Scenario(_two_adapters([1, 2, 3], [3, 4]), "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(_two_adapters([1, 2, 3], [4, 5]), "inference")
