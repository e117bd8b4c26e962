"""adapter-config-not-found: PeftModel.from_pretrained on a folder that holds no adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_missing_adapter_folder_fails_and_the_saved_folder_loads(
    tiny_llama: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a hub lookup would otherwise retry for ~23 s
    trained = get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj"]))
    trained.save_pretrained(tmp_path / "run" / "checkpoint-2")

    with pytest.raises(ValueError, match=r"Can't find 'adapter_config\.json'") as caught:
        PeftModel.from_pretrained(tiny_llama(), str(tmp_path / "run"))  # the output_dir, not the checkpoint

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adapter-config-not-found"

    loaded = PeftModel.from_pretrained(tiny_llama(), str(tmp_path / "run" / "checkpoint-2"))
    assert list(loaded.peft_config) == ["default"]
