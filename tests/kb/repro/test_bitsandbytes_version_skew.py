"""bitsandbytes-version-skew: 4-bit loading without a usable bitsandbytes, reproduced on CPU.

transformers 5.x treats bitsandbytes below its minimum version exactly like a missing one, so this
environment (no bitsandbytes) raises the same ImportError a user with an old bitsandbytes sees. The fix,
installing a supported bitsandbytes, is not applied here: it needs the package (and a GPU to load 4-bit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_4bit_load_without_supported_bitsandbytes_is_diagnosed(tiny_llama: Callable[..., Any], tmp_path: Path) -> None:
    import importlib.util

    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    if importlib.util.find_spec("bitsandbytes") is not None:
        pytest.skip("bitsandbytes is installed: the version check may pass here")
    tiny_llama().save_pretrained(tmp_path / "base")
    with pytest.raises(ImportError, match="4-bit quantization requires bitsandbytes") as caught:
        AutoModelForCausalLM.from_pretrained(
            tmp_path / "base", quantization_config=BitsAndBytesConfig(load_in_4bit=True)
        )

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "bitsandbytes-version-skew"
