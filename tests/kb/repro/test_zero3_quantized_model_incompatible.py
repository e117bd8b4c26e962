"""zero3-quantized-model-incompatible: a device_map passed while a ZeRO-3 config is active, on CPU.

DeepSpeed is not run: the ZeRO-3 config is registered by hand, as Trainer does when
TrainingArguments carry a deepspeed config.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


@pytest.fixture
def zero3_config() -> Iterator[None]:
    from accelerate.utils.deepspeed import HfDeepSpeedConfig
    from transformers.integrations.deepspeed import set_hf_deepspeed_config, unset_hf_deepspeed_config

    config = HfDeepSpeedConfig({"zero_optimization": {"stage": 3}, "train_micro_batch_size_per_gpu": 1})
    set_hf_deepspeed_config(config)
    try:
        yield
    finally:
        unset_hf_deepspeed_config()


def test_device_map_under_zero3_is_refused_and_no_device_map_passes_the_check(
    tiny_llama: Callable[..., Any], tmp_path: Path, zero3_config: None
) -> None:
    from transformers import LlamaForCausalLM
    from transformers.integrations.deepspeed import is_deepspeed_zero3_enabled

    tiny_llama().save_pretrained(tmp_path)
    assert is_deepspeed_zero3_enabled()
    with pytest.raises(ValueError, match="DeepSpeed Zero-3 is not compatible with passing a `device_map`") as caught:
        LlamaForCausalLM.from_pretrained(tmp_path, device_map={"": "cpu"})  # QLoRA recipes pass one

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "zero3-quantized-model-incompatible"

    # the fix: no device_map; the load gets past the check and stops only because DeepSpeed is not installed
    with pytest.raises(ImportError, match="deepspeed"):
        LlamaForCausalLM.from_pretrained(tmp_path)
