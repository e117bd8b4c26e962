"""outdated-package: an adapter_config.json written by a newer peft, loaded by the installed one.

The other faces of this entry (the TypeError of peft 0.6-0.13, ImportErrors between peft and
transformers releases) need old releases: see side/outdated_package.sh (not run in CI).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .warning_paste import find_warning, format_warning

pytestmark = pytest.mark.repro


def _load_warnings(tiny_llama: Callable[..., Any], path: Path) -> list[warnings.WarningMessage]:
    from peft import PeftModel

    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        PeftModel.from_pretrained(tiny_llama(), str(path))
    return [r for r in records if "Unexpected keyword arguments" in str(r.message)]


def test_config_from_a_newer_peft_warns_and_a_matching_release_loads_cleanly(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import LoraConfig, get_peft_model

    get_peft_model(tiny_llama(), LoraConfig(target_modules=["q_proj"])).save_pretrained(tmp_path)
    config_file = tmp_path / "adapter_config.json"
    saved = json.loads(config_file.read_text())
    # what a future release would add: fields this peft does not know
    config_file.write_text(json.dumps({**saved, "use_future_thing": True, "lora_ga_steps": 4}))

    warning = find_warning(_load_warnings(tiny_llama, tmp_path), "higher version of the library")
    diagnoses = diagnose_text(format_warning(warning))
    assert diagnoses and diagnoses[0].id == "outdated-package"

    # the fix is matching releases; here: the config as the installed release writes it
    config_file.write_text(json.dumps(saved))
    assert _load_warnings(tiny_llama, tmp_path) == []
