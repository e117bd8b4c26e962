"""prefix-tuning-no-past-key-values: prefix tuning for sequence classification, on CPU.

DeBERTa-v2 never takes past_key_values; BERT did until transformers 5.24 renamed the parameter to
``cache``, which peft <= 0.21.2 does not look for, so with the installed pair BERT fails too.
"""

from __future__ import annotations

from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "prefix-tuning-no-past-key-values"
MESSAGE = "Model does not support past key values which are required for prefix tuning"


def _deberta(torch: Any) -> Any:
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

    torch.manual_seed(0)
    config = DebertaV2Config(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, vocab_size=128,
        max_position_embeddings=64, num_labels=2,
    )  # fmt: skip
    return DebertaV2ForSequenceClassification(config).eval()


def _bert(torch: Any) -> Any:
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, vocab_size=128,
        max_position_embeddings=64, num_labels=2,
    )  # fmt: skip
    return BertForSequenceClassification(config).eval()


@pytest.mark.parametrize("make", [_deberta, _bert], ids=["deberta-v2", "bert"])
def test_prefix_tuning_classifier_without_past_key_values_fails_and_prompt_tuning_works(
    make: Any, torch_mod: Any, input_ids: Any
) -> None:
    import inspect

    from peft import PrefixTuningConfig, PromptTuningConfig, get_peft_model

    model = get_peft_model(make(torch_mod), PrefixTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4))
    backbone = model.base_model.get_submodule(model.transformer_backbone_name)
    if "past_key_values" in inspect.signature(backbone.forward).parameters:
        pytest.skip("this transformers still passes past_key_values to the backbone")
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        model(input_ids=input_ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    fixed = get_peft_model(make(torch_mod), PromptTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4))
    assert fixed(input_ids=input_ids).logits.shape == (1, 2)
