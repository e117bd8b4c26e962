"""torchao-version-incompatible: get_peft_model with an old torchao installed, on CPU.

torchao itself is not needed: peft reads only ``find_spec("torchao")`` and the distribution's version,
so a minimal installed distribution (package plus dist-info) on ``sys.path`` is what an old torchao
install looks like to it. transformers is imported before the path is added, so only peft sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "torchao-version-incompatible"


def installed_torchao(folder: Path, version: str) -> Path:
    (folder / "torchao").mkdir(parents=True)
    (folder / "torchao" / "__init__.py").write_text("")
    (folder / "torchao" / "utils.py").write_text("class TorchAOBaseTensor:\n    pass\n")
    info = folder / f"torchao-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torchao\nVersion: {version}\n")
    return folder


@pytest.fixture
def fresh_torchao_lookup() -> Iterator[None]:
    """peft caches is_torchao_available; start and end with an empty cache and no torchao module loaded."""
    import sys

    from peft import import_utils

    import_utils.is_torchao_available.cache_clear()
    yield
    import_utils.is_torchao_available.cache_clear()
    for name in [name for name in sys.modules if name == "torchao" or name.startswith("torchao.")]:
        del sys.modules[name]


def test_old_torchao_breaks_get_peft_model_and_a_supported_one_does_not(
    tiny_llama: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_torchao_lookup: None
) -> None:
    import importlib

    from peft import LoraConfig, get_peft_model, import_utils

    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"])
    base = tiny_llama()
    monkeypatch.syspath_prepend(str(installed_torchao(tmp_path / "old", "0.15.0")))
    importlib.invalidate_caches()
    with pytest.raises(ImportError, match=r"incompatible version of torchao\. Found version 0\.15\.0") as caught:
        get_peft_model(base, config)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: a torchao at or above peft's minimum (here the next release; 0.4.0 for peft 0.14 to 0.18)
    monkeypatch.undo()
    import_utils.is_torchao_available.cache_clear()
    monkeypatch.syspath_prepend(str(installed_torchao(tmp_path / "new", "0.16.0")))
    importlib.invalidate_caches()
    assert import_utils.is_torchao_available()
    model = get_peft_model(tiny_llama(), config)
    assert model.peft_config["default"].r == 4
