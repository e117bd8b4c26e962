"""adapter-layers-partly-disabled: disable_adapter() on a model whose adapter layers disagree, on CPU."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

ID = "adapter-layers-partly-disabled"
MESSAGE = "some adapter layers that are enabled and others that are disabled"


def _warning_lines(caught: list[warnings.WarningMessage]) -> str:
    """The warnings as Python prints them on stderr: the paste a user would make."""
    return "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught)


def _disable_adapter_warnings(model: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with model.disable_adapter():
            pass
    return [w for w in caught if MESSAGE in str(w.message)]


def test_disable_adapter_warns_on_mixed_layers_and_reenables_all(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj"]))
    model.base_model.disable_adapter_layers()
    # the new adapter's layers are created enabled, the old ones stay disabled
    model.add_adapter("other", LoraConfig(r=4, target_modules=["v_proj"]))
    assert model.get_model_status().enabled == "irregular"

    caught = _disable_adapter_warnings(model)
    assert caught
    diagnoses = diagnose_text(_warning_lines(caught))
    assert diagnoses and diagnoses[0].id == ID
    # the context re-enabled every layer, also those disabled on purpose
    assert model.get_model_status().enabled is True

    # the fix: switch all layers together
    model.base_model.disable_adapter_layers()
    assert model.get_model_status().enabled is False
    assert not _disable_adapter_warnings(model)
    assert model.get_model_status().enabled is False
    model.base_model.enable_adapter_layers()
    assert not _disable_adapter_warnings(model)
