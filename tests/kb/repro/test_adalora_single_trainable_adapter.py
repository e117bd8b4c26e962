"""adalora-single-trainable-adapter: a second trainable AdaLoRA adapter on one model, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "adalora-single-trainable-adapter"


def _config(**options: Any) -> Any:
    from peft import AdaLoraConfig

    return AdaLoraConfig(init_r=6, target_r=2, total_step=8, target_modules=["q_proj", "v_proj"], **options)


def test_adding_a_second_trainable_adalora_adapter_is_refused_and_inference_mode_works(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import get_peft_model

    model = get_peft_model(tiny_llama(), _config())
    with pytest.raises(ValueError, match="AdaLoraModel supports only 1 trainable adapter") as caught:
        model.add_adapter("second", _config())

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID
    assert list(model.peft_config) == ["default"]

    model.add_adapter("second", _config(inference_mode=True))
    assert list(model.peft_config) == ["default", "second"]
    assert model.base_model.trainable_adapter_name == "default"


def test_loading_a_second_adalora_adapter_as_trainable_is_refused(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import PeftModel, get_peft_model

    get_peft_model(tiny_llama(), _config()).save_pretrained(tmp_path / "first")
    model = PeftModel.from_pretrained(tiny_llama(), tmp_path / "first", is_trainable=True)
    with pytest.raises(ValueError, match="supports only 1 trainable adapter") as caught:
        model.load_adapter(tmp_path / "first", adapter_name="other", is_trainable=True)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model.load_adapter(tmp_path / "first", adapter_name="other")  # the fix: loaded frozen, for inference
    assert model.peft_config["other"].inference_mode
