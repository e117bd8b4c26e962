"""ptuning-pre-seq-len-mismatch: a prefix checkpoint loaded into an encoder of another length, on CPU.

ChatGLM's P-Tuning v2 script loads ``transformer.prefix_encoder.*`` from the checkpoint into
``model.transformer.prefix_encoder``; ChatGLM's remote modeling code is not on PyPI, so peft's
own ``PrefixEncoder`` stands in for it. The peft-native variant (set_peft_model_state_dict with
another num_virtual_tokens) runs as is.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _prefix_config(num_virtual_tokens: int) -> Any:
    from peft import PrefixTuningConfig

    return PrefixTuningConfig(
        task_type="CAUSAL_LM", num_virtual_tokens=num_virtual_tokens, num_layers=2, token_dim=32, num_attention_heads=4
    )


def test_prefix_encoder_of_another_length_refuses_the_checkpoint_and_same_length_loads(torch_mod: Any) -> None:
    from peft.tuners.prefix_tuning.model import PrefixEncoder

    torch_mod.manual_seed(0)
    trained = PrefixEncoder(_prefix_config(16)).state_dict()
    checkpoint = {f"transformer.prefix_encoder.{k}": v for k, v in trained.items()}
    prefix_state = {k[len("transformer.prefix_encoder.") :]: v for k, v in checkpoint.items()}

    with pytest.raises(RuntimeError, match=r"size mismatch for embedding\.weight") as caught:
        PrefixEncoder(_prefix_config(8)).load_state_dict(prefix_state)  # pre_seq_len 8 at inference, 16 in training

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "ptuning-pre-seq-len-mismatch"

    PrefixEncoder(_prefix_config(16)).load_state_dict(prefix_state)  # the fix: the training length


def test_peft_prompt_weights_of_another_length_fail_to_load(tiny_llama: Callable[..., Any]) -> None:
    from peft import PrefixTuningConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    trained = get_peft_model(tiny_llama(), PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=16))
    state = get_peft_model_state_dict(trained)
    other = get_peft_model(tiny_llama(), PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=8))
    with pytest.raises(RuntimeError, match="size mismatch for weight") as caught:
        set_peft_model_state_dict(other, state)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "ptuning-pre-seq-len-mismatch"

    same = get_peft_model(tiny_llama(), PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=16))
    set_peft_model_state_dict(same, state)
