"""prompt-learning-unknown-architecture: prompt tuning on a model whose config peft cannot read, on CPU."""

from __future__ import annotations

from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "prompt-learning-unknown-architecture"


def _mamba(torch: Any) -> Any:
    from transformers import MambaConfig, MambaForCausalLM

    torch.manual_seed(0)
    config = MambaConfig(hidden_size=32, num_hidden_layers=2, vocab_size=128, state_size=4, expand=2)
    return MambaForCausalLM(config).eval()


def test_prompt_tuning_on_mamba_asks_for_num_attention_heads_and_works_with_it(torch_mod: Any, input_ids: Any) -> None:
    from peft import PromptTuningConfig, get_peft_model

    with pytest.raises(ValueError, match="Please specify `num_attention_heads` in `peft_config`") as caught:
        get_peft_model(_mamba(torch_mod), PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    config = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4, num_attention_heads=1)  # the fix
    model = get_peft_model(_mamba(torch_mod), config)
    assert (model.peft_config["default"].num_layers, model.peft_config["default"].token_dim) == (2, 32)
    assert model(input_ids=input_ids).logits.shape == (1, 4 + input_ids.shape[1], 128)
