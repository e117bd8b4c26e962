"""zero3-empty-adapter-save: ZeRO-3's empty parameter shards saved as the adapter, simulated on CPU.

DeepSpeed is not run: outside a gather ZeRO-3 leaves each parameter's ``data`` as an
empty tensor, which is what the test sets by hand before ``save_pretrained``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_unsharded_save_writes_empty_tensors_and_gathered_save_loads(
    tiny_llama: Callable[..., Any], torch_mod: Any, tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    gathered = {name: p.detach().clone() for name, p in model.named_parameters() if "lora_" in name}
    for name, param in model.named_parameters():
        if "lora_" in name:
            param.data = torch_mod.empty(0)  # what a ZeRO-3 rank holds outside GatheredParameters

    with pytest.warns(UserWarning, match="have invalid shape"):
        model.save_pretrained(tmp_path / "sharded")
    with pytest.raises(RuntimeError, match=r"torch\.Size\(\[0\]\)") as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "sharded")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "zero3-empty-adapter-save"

    for name, param in model.named_parameters():  # the fix: save inside the gather (full tensors)
        if name in gathered:
            param.data = gathered[name]
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        model.save_pretrained(tmp_path / "gathered")
    assert not [w for w in caught_warnings if "invalid shape" in str(w.message)]
    PeftModel.from_pretrained(tiny_llama(), tmp_path / "gathered")
