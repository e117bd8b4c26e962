"""adapter-name-not-found: set_adapter / delete_adapter with a name that is not loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_unknown_adapter_name_fails_and_loading_it_first_fixes_it(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj"]))
    model.save_pretrained(tmp_path / "fr")
    for call in (model.set_adapter, model.delete_adapter):
        with pytest.raises(ValueError, match="Adapter fr") as caught:
            call("fr")
        diagnoses = diagnose_text(format_exc(caught.value))
        assert diagnoses and diagnoses[0].id == "adapter-name-not-found"

    model.load_adapter(str(tmp_path / "fr"), adapter_name="fr")  # the fix: load it under that name
    model.set_adapter("fr")
    assert model.active_adapter == "fr"
