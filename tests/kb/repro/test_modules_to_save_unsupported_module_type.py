"""modules-to-save-unsupported-module-type: modules_to_save naming a ModuleList, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_container_in_modules_to_save_is_refused_and_a_leaf_module_is_wrapped(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model
    from peft.utils.other import ModulesToSaveWrapper

    with pytest.raises(TypeError, match="modules_to_save cannot be applied to modules of type") as caught:
        get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["lm_head"], modules_to_save=["layers"]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "modules-to-save-unsupported-module-type"

    fixed = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"], modules_to_save=["mlp"]))
    wrapped = [m for m in fixed.modules() if isinstance(m, ModulesToSaveWrapper)]
    assert len(wrapped) == 2  # one LlamaMLP per decoder layer, trained in full
