"""torch-compile-adapter: preparing a compiled model for adapter hot-swapping, on CPU (eager backend)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_hotswap_preparation_after_compile_fails_and_before_clears_it(
    tiny_llama: Callable[..., Any], torch_mod: Any
) -> None:
    from peft import LoraConfig, get_peft_model
    from peft.utils.hotswap import prepare_model_for_compiled_hotswap

    lora = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    compiled = torch_mod.compile(get_peft_model(tiny_llama(), lora), backend="eager")
    with pytest.raises(ValueError, match="before\\* compiling the model") as caught:
        prepare_model_for_compiled_hotswap(compiled, target_rank=8)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "torch-compile-adapter"

    model = get_peft_model(tiny_llama(), lora)
    prepare_model_for_compiled_hotswap(model, target_rank=8)  # the fix: prepare first, then compile
    compiled = torch_mod.compile(model, backend="eager")
    assert compiled is not None
