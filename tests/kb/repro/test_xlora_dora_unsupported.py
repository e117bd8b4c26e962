"""xlora-dora-unsupported: X-LoRA over LoRA experts trained with use_dora=True fails at the first forward."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "xlora-dora-unsupported"


def experts(tiny_llama: Callable[..., Any], folder: Path, *, use_dora: bool) -> dict[str, str]:
    from peft import LoraConfig, get_peft_model

    paths = {}
    for number in ("0", "1"):
        path = folder / f"expert-{number}"
        config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], use_dora=use_dora)
        get_peft_model(tiny_llama(use_cache=False), config).save_pretrained(path)
        paths[number] = str(path)
    return paths


def test_xlora_over_dora_experts_fails_in_forward_and_plain_lora_experts_work(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path
) -> None:
    from peft import XLoraConfig, get_peft_model

    def xlora(adapters: dict[str, str]) -> Any:
        config = XLoraConfig(task_type="CAUSAL_LM", hidden_size=32, xlora_depth=1, adapters=adapters)
        return get_peft_model(tiny_llama(use_cache=False), config)

    model = xlora(experts(tiny_llama, tmp_path / "dora", use_dora=True))  # builds without complaint
    with pytest.raises(ValueError, match="X-LoRA currently does not support LoRA layers with DoRA") as caught:
        model(input_ids=input_ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = xlora(experts(tiny_llama, tmp_path / "lora", use_dora=False))
    assert model(input_ids=input_ids).logits.shape[-1] == 128
