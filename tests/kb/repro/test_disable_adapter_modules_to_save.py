"""disable-adapter-modules-to-save: reproduced with peft 0.4.0 in a side venv, the fix (peft >= 0.5.0) checked here.

With peft 0.4.0, ``side_venv/disable_adapter_modules_to_save.py`` got logits 7.7 away from the base
model inside ``disable_adapter()``, because the trained head copy stayed active. The failure is silent,
so the report a user would write must be diagnosed, and the installed peft must give the base logits.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

RECORDED = Path(__file__).parent / "side_venv" / "disable_adapter_modules_to_save.out"


def test_report_of_the_recorded_peft040_run_is_diagnosed() -> None:
    recorded = RECORDED.read_text()
    assert "peft 0.4.0" in recorded and "max|diff| = 7.7347" in recorded
    report = (
        "Inside `with model.disable_adapter():` my sequence classification PeftModel still uses the fine-tuned "
        "classifier head from modules_to_save; the logits differ from the base model by 7.73"
    )
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "disable-adapter-modules-to-save"


def test_current_peft_disables_the_modules_to_save_copy(
    tiny_llama_classifier: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    base = tiny_llama_classifier()
    with torch_mod.no_grad():
        reference = base(input_ids).logits
    model = get_peft_model(copy.deepcopy(base), LoraConfig(task_type="SEQ_CLS", r=4, target_modules=["q_proj"]))
    with torch_mod.no_grad():
        model.base_model.model.score.modules_to_save["default"].weight.add_(1.0)  # the trained head copy
        assert not torch_mod.allclose(model(input_ids).logits, reference)
        with model.disable_adapter():
            assert torch_mod.allclose(model(input_ids).logits, reference)
