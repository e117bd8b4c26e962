"""dtype-mismatch: an fp32 modules_to_save head fed bf16 hidden states, reproduced on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_fp32_head_on_bf16_model_fails_outside_autocast(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=4, target_modules=["q_proj"], modules_to_save=["lm_head"])
    model = get_peft_model(tiny_llama().to(torch_mod.bfloat16), config)
    for param in model.parameters():  # the common "upcast trainable params to fp32" recipe
        if param.requires_grad:
            param.data = param.data.float()

    with pytest.raises(RuntimeError, match="same dtype") as caught:
        model(input_ids=input_ids)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "dtype-mismatch"

    with torch_mod.autocast("cpu", dtype=torch_mod.bfloat16):  # the fix
        model(input_ids=input_ids, labels=input_ids).loss.backward()
