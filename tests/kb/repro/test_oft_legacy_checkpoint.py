"""oft-legacy-checkpoint: an OFT adapter saved by peft <= 0.13 (no oft_block_size) loaded with peft >= 0.14."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "oft-legacy-checkpoint"

# the fields an OFTConfig of peft 0.13.2 saves (peft/config.py PeftConfig + tuners/oft/config.py + LycorisConfig)
FIELDS_0_13 = {
    "auto_mapping", "base_model_name_or_path", "revision", "peft_type", "task_type", "inference_mode",
    "r", "module_dropout", "target_modules", "init_weights", "layers_to_transform", "layers_pattern",
    "modules_to_save", "coft", "eps", "block_share",
}  # fmt: skip


def as_saved_by_0_13(folder: Path) -> None:
    """Rewrite a saved OFT adapter_config.json with the keys peft 0.13.2 wrote: no oft_block_size."""
    path = folder / "adapter_config.json"
    saved = json.loads(path.read_text())
    old = {key: value for key, value in saved.items() if key in FIELDS_0_13}
    path.write_text(json.dumps({**old, "rank_pattern": {}, "alpha_pattern": {}}))


def test_an_oft_adapter_from_peft_0_13_is_refused_and_a_retrained_one_loads(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import OFTConfig, PeftModel, get_peft_model

    config = OFTConfig(r=4, oft_block_size=0, target_modules=["q_proj", "v_proj"])
    get_peft_model(tiny_llama(), config).save_pretrained(tmp_path / "old")
    as_saved_by_0_13(tmp_path / "old")

    with pytest.raises(ValueError, match=r"OFT has been updated since PEFT 0\.14\.0") as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "old")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: retrain (here: save) with current peft; its config carries oft_block_size
    get_peft_model(tiny_llama(), config).save_pretrained(tmp_path / "new")
    assert "oft_block_size" in json.loads((tmp_path / "new" / "adapter_config.json").read_text())
    model = PeftModel.from_pretrained(tiny_llama(), tmp_path / "new")
    assert model.peft_config["default"].peft_type == "OFT"


def test_a_cayley_neumann_oft_adapter_from_before_0_18_loads_with_a_warning(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    import warnings

    from peft import OFTConfig, PeftModel, get_peft_model

    config = OFTConfig(r=0, oft_block_size=8, use_cayley_neumann=True, target_modules=["q_proj", "v_proj"])
    get_peft_model(tiny_llama(), config).save_pretrained(tmp_path / "old")
    path = tmp_path / "old" / "adapter_config.json"
    saved = json.loads(path.read_text())
    del saved["peft_version"]  # configs gained peft_version in 0.18.0
    path.write_text(json.dumps(saved))

    with pytest.warns(UserWarning, match="cayley-neumann parameterization has been slightly changed") as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "old")
    (warning,) = [w for w in caught if "cayley-neumann" in str(w.message)]
    text = warnings.formatwarning(warning.message, warning.category, warning.filename, warning.lineno)

    diagnoses = diagnose_text(text)
    assert diagnoses and diagnoses[0].id == ID

    get_peft_model(tiny_llama(), config).save_pretrained(tmp_path / "new")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "new")
    assert not [w for w in seen if "cayley-neumann" in str(w.message)]
