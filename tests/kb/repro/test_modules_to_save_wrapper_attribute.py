"""modules-to-save-wrapper-attribute: reproduced with peft 0.7.1 in a side venv, the fix checked here.

``side_venv/modules_to_save_wrapper_attribute.py`` raised the AttributeError with
peft 0.7.1; its recorded traceback must still be diagnosed, and the installed peft
must forward the attributes the old wrapper lacked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

RECORDED = Path(__file__).parent / "side_venv" / "modules_to_save_wrapper_attribute.out"


def test_recorded_peft071_traceback_is_diagnosed() -> None:
    tracebacks = re.findall(
        r"Traceback \(most recent call last\):\n.*?\nAttributeError: [^\n]+", RECORDED.read_text(), re.S
    )
    assert len(tracebacks) == 2
    for text in tracebacks:
        diagnoses = diagnose_text(text)
        assert diagnoses and diagnoses[0].id == "modules-to-save-wrapper-attribute"


def test_current_peft_forwards_wrapped_head_attributes(tiny_llama_classifier: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model
    from peft.utils.other import ModulesToSaveWrapper

    model = get_peft_model(tiny_llama_classifier(), LoraConfig(task_type="SEQ_CLS", r=4, target_modules=["q_proj"]))
    head = model.base_model.model.score
    assert isinstance(head, ModulesToSaveWrapper)
    assert head.out_features == 3 and tuple(head.weight.shape) == (3, 32)
