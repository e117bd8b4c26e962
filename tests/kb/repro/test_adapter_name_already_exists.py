"""adapter-name-already-exists: a second adapter under a name already in use, on CPU (peft and transformers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _saved_adapter(tiny_llama: Callable[..., Any], path: Path) -> Path:
    from peft import LoraConfig, get_peft_model

    get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).save_pretrained(path)
    return path


def test_transformers_load_adapter_twice_with_the_default_name_fails_and_a_new_name_loads(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    adapter = _saved_adapter(tiny_llama, tmp_path / "sql-lora")
    model = tiny_llama()
    model.load_adapter(str(adapter))
    with pytest.raises(ValueError, match="already exists") as caught:
        model.load_adapter(str(adapter))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adapter-name-already-exists"

    model.load_adapter(str(adapter), adapter_name="sql_v2")  # the fix: a name not in use
    assert set(model.peft_config) == {"default", "sql_v2"}


def test_peft_add_adapter_with_a_used_name_fails_and_deleting_it_first_works(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    model.add_adapter("other", LoraConfig(r=4, target_modules=["q_proj"]))
    with pytest.raises(ValueError, match="Adapter with name 'other' already exists") as caught:
        model.add_adapter("other", LoraConfig(r=8, target_modules=["q_proj", "v_proj"]))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adapter-name-already-exists"

    model.delete_adapter("other")  # the fix when the old one should go
    model.add_adapter("other", LoraConfig(r=8, target_modules=["q_proj", "v_proj"]))
    assert model.peft_config["other"].r == 8
