"""prefix-tuning-no-past-key-values: prefix tuning on a DeBERTa-v2 classifier, which takes no past_key_values.

The clean state is the fix: prompt tuning on the same classifier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario


def _deberta() -> Any:
    import torch
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

    torch.manual_seed(0)
    config = DebertaV2Config(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, vocab_size=128,
        max_position_embeddings=64, num_labels=2,
    )  # fmt: skip
    return DebertaV2ForSequenceClassification(config).eval()


def fault(tmp_path: Path) -> Scenario:
    from peft import PrefixTuningConfig, get_peft_model

    return Scenario(
        get_peft_model(_deberta(), PrefixTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4)), "training"
    )


def clean(tmp_path: Path) -> Scenario:
    from peft import PromptTuningConfig, get_peft_model

    return Scenario(
        get_peft_model(_deberta(), PromptTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4)), "training"
    )
