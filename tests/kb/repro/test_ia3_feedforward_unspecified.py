"""ia3-feedforward-unspecified: IA3 without feedforward_modules on an architecture peft has no IA3 defaults for."""

from __future__ import annotations

from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "ia3-feedforward-unspecified"


def tiny_phi3() -> Any:
    """A 2-layer Phi3ForCausalLM from a config: model_type ``phi3`` is not in peft's IA3 feed-forward table."""
    from transformers import Phi3Config, Phi3ForCausalLM

    config = Phi3Config(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=128, max_position_embeddings=64, pad_token_id=0, eos_token_id=2,
    )  # fmt: skip
    return Phi3ForCausalLM(config).eval()


def test_ia3_without_feedforward_modules_is_refused_and_naming_them_works(seeded: None) -> None:
    from peft import IA3Config, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING

    assert "phi3" not in TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING
    with pytest.raises(ValueError, match="Please specify `feedforward_modules` in `peft_config`") as caught:
        get_peft_model(tiny_phi3(), IA3Config(target_modules=["qkv_proj", "down_proj"]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    config = IA3Config(target_modules=["qkv_proj", "down_proj"], feedforward_modules=["down_proj"])
    model = get_peft_model(tiny_phi3(), config)
    layer = model.base_model.model.model.layers[0]
    assert layer.mlp.down_proj.is_feedforward and not layer.self_attn.qkv_proj.is_feedforward


def test_a_custom_torch_model_needs_feedforward_modules_too(seeded: None) -> None:
    import torch
    from peft import IA3Config, get_peft_model

    def custom() -> Any:
        return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))

    with pytest.raises(ValueError, match="Please specify `feedforward_modules` in `peft_config`") as caught:
        get_peft_model(custom(), IA3Config(target_modules=["0", "2"]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = get_peft_model(custom(), IA3Config(target_modules=["0", "2"], feedforward_modules=["2"]))
    assert model.base_model.model[2].is_feedforward
