"""xlora-use-cache: X-LoRA on a model whose config has use_cache=True (the transformers default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "xlora-use-cache"


def experts(tiny_llama: Callable[..., Any], folder: Path) -> dict[str, str]:
    """Two saved LoRA experts; X-LoRA loads them as adapters "0" and "1"."""
    from peft import LoraConfig, get_peft_model

    paths = {}
    for number in ("0", "1"):
        path = folder / f"expert-{number}"
        get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).save_pretrained(path)
        paths[number] = str(path)
    return paths


def test_xlora_on_a_model_with_use_cache_is_refused_and_use_cache_false_works(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path
) -> None:
    from peft import XLoraConfig, get_peft_model

    config = XLoraConfig(task_type="CAUSAL_LM", hidden_size=32, xlora_depth=1, adapters=experts(tiny_llama, tmp_path))
    model = tiny_llama()
    assert model.config.use_cache
    with pytest.raises(ValueError, match="`use_cache` must be False") as caught:
        get_peft_model(model, config)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = tiny_llama()
    model.config.use_cache = False
    xlora = get_peft_model(model, config)
    assert xlora(input_ids=input_ids).logits.shape[-1] == 128
