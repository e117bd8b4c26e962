"""adalora-total-step-missing: an AdaLoraConfig without total_step, on CPU.

peft >= 0.15 refuses the config; older releases accepted it and failed in update_and_allocate,
which compares the step with ``total_step - tfinal``. That older path is reproduced with the
installed peft by clearing total_step on a built model (what an old config without it held).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "adalora-total-step-missing"
TARGETS = ["q_proj", "v_proj"]


def test_config_without_total_step_is_refused_and_total_step_fixes_it(
    tiny_llama: Callable[..., Any], input_ids: Any
) -> None:
    from peft import AdaLoraConfig, get_peft_model

    with pytest.raises(ValueError, match="AdaLoRA does not work when `total_step` is None") as caught:
        AdaLoraConfig(init_r=6, target_r=2, target_modules=TARGETS)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = get_peft_model(tiny_llama(), AdaLoraConfig(init_r=6, target_r=2, total_step=8, target_modules=TARGETS))
    model.train()
    model(input_ids=input_ids, labels=input_ids).loss.backward()
    model.base_model.update_and_allocate(0)


def test_update_and_allocate_without_total_step_fails_on_none(tiny_llama: Callable[..., Any], input_ids: Any) -> None:
    from peft import AdaLoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), AdaLoraConfig(init_r=6, target_r=2, total_step=8, target_modules=TARGETS))
    model.peft_config["default"].total_step = None  # as a config from peft < 0.15 without total_step
    model.train()
    model(input_ids=input_ids, labels=input_ids).loss.backward()
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for -: 'NoneType' and 'int'") as caught:
        model.base_model.update_and_allocate(0)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID
