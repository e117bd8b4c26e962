"""hotswap-adapters-incompatible: hot-swapping in an adapter whose config or target layers differ, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "hotswap-adapters-incompatible"


def _saved(tiny_llama: Callable[..., Any], folder: Path, **options: Any) -> str:
    from peft import LoraConfig, get_peft_model

    options.setdefault("target_modules", ["q_proj", "v_proj"])
    get_peft_model(tiny_llama(), LoraConfig(r=4, **options)).save_pretrained(str(folder))
    return str(folder)


def test_hotswap_with_a_different_lora_dropout_is_refused(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    from peft import PeftModel
    from peft.utils.hotswap import hotswap_adapter

    first = _saved(tiny_llama, tmp_path / "first")
    other = _saved(tiny_llama, tmp_path / "other", lora_dropout=0.1)
    model = PeftModel.from_pretrained(tiny_llama(), first)
    with pytest.raises(ValueError, match=r"Configs are incompatible: for lora_dropout, 0\.0 != 0\.1") as caught:
        hotswap_adapter(model, other, adapter_name="default")
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: the same lora_dropout (and use_rslora, use_dora, alpha_pattern) as the loaded adapter
    same = _saved(tiny_llama, tmp_path / "same", lora_dropout=0.0, lora_alpha=16)
    hotswap_adapter(model, same, adapter_name="default")
    assert set(model.peft_config) == {"default"}


def test_hotswap_of_an_adapter_on_more_layers_is_refused(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    from peft import PeftModel
    from peft.utils.hotswap import hotswap_adapter

    first = _saved(tiny_llama, tmp_path / "first")
    wider = _saved(tiny_llama, tmp_path / "wider", target_modules=["q_proj", "v_proj", "k_proj"])
    model = PeftModel.from_pretrained(tiny_llama(), first)
    with pytest.raises(RuntimeError, match=r"unexpected keys found: .*k_proj") as caught:
        hotswap_adapter(model, wider, adapter_name="default")
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: load the adapter that targets other layers as a new adapter (no hot-swap)
    model.load_adapter(wider, adapter_name="wider")
    model.set_adapter("wider")
    # an adapter on fewer layers can be swapped in: the left-out layers' LoRA weights are zeroed
    narrower = _saved(tiny_llama, tmp_path / "narrower", target_modules=["q_proj"])
    model = PeftModel.from_pretrained(tiny_llama(), first)
    hotswap_adapter(model, narrower, adapter_name="default")
    assert not model.base_model.model.model.layers[0].self_attn.v_proj.lora_B["default"].weight.any()
