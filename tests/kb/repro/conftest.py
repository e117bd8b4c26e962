"""Tiny models built from configs (never downloaded) for reproducing failures on CPU.

All reproductions run in one pytest process, so torch/transformers/peft are
imported once (about 8 s) rather than once per scenario.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from peft_why.kb.user_paths import user_paths

ROOT = str(Path(__file__).resolve().parents[3])
pytestmark = pytest.mark.repro


def format_exc(exc: BaseException) -> str:
    """The traceback as Python prints it, with a user's paths: the paste a user would make (and a KB example)."""
    return user_paths("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), roots=[ROOT])


@pytest.fixture(scope="session")
def torch_mod() -> Any:
    import torch

    return torch


@pytest.fixture
def seeded(torch_mod: Any) -> Iterator[None]:
    torch_mod.manual_seed(0)
    yield


def _llama_config(**overrides: Any) -> Any:
    from transformers import LlamaConfig

    settings: dict[str, Any] = dict(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=128,
        max_position_embeddings=64,
    )
    settings.update(overrides)
    return LlamaConfig(**settings)


@pytest.fixture
def tiny_llama(seeded: None) -> Callable[..., Any]:
    """A factory: ``tiny_llama()`` → a 2-layer LlamaForCausalLM (27k params) in eval mode."""
    from transformers import LlamaForCausalLM

    def make(**overrides: Any) -> Any:
        return LlamaForCausalLM(_llama_config(**overrides)).eval()

    return make


@pytest.fixture
def tiny_llama_classifier(seeded: None) -> Callable[..., Any]:
    """A factory for a 2-layer LlamaForSequenceClassification with 3 labels."""
    from transformers import LlamaForSequenceClassification

    def make(**overrides: Any) -> Any:
        return LlamaForSequenceClassification(_llama_config(num_labels=3, pad_token_id=0, **overrides)).eval()

    return make


@pytest.fixture
def input_ids(torch_mod: Any) -> Any:
    return torch_mod.tensor([[1, 5, 9, 17, 33, 2]])
