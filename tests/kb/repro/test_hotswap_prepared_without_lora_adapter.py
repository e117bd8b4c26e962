"""hotswap-prepared-without-lora-adapter: prepare_model_for_compiled_hotswap before any LoRA is loaded, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "hotswap-prepared-without-lora-adapter"
MESSAGE = "No adapter layers found on the model"


def test_preparing_the_base_model_is_refused(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model
    from peft.utils.hotswap import prepare_model_for_compiled_hotswap

    with pytest.raises(ValueError, match=MESSAGE) as caught:
        prepare_model_for_compiled_hotswap(tiny_llama(), target_rank=16)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: load the first LoRA adapter, then prepare (before compiling and before the second adapter)
    get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).save_pretrained(tmp_path)
    model = PeftModel.from_pretrained(tiny_llama(), str(tmp_path))
    prepare_model_for_compiled_hotswap(model, target_rank=16, config=model.peft_config)
    assert model.base_model.model.model.layers[0].self_attn.q_proj.lora_A["default"].weight.shape[0] == 16


def test_preparing_a_non_lora_adapter_is_refused(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoHaConfig, get_peft_model
    from peft.utils.hotswap import prepare_model_for_compiled_hotswap

    model = get_peft_model(tiny_llama(), LoHaConfig(r=4, target_modules=["q_proj"]))
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        prepare_model_for_compiled_hotswap(model, target_rank=8)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID
