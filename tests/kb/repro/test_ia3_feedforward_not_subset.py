"""ia3-feedforward-not-subset: IA3 feedforward_modules naming layers that target_modules leaves out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "ia3-feedforward-not-subset"
MESSAGE = "`feedforward_modules` should be a subset of `target_modules`"


def test_feedforward_modules_outside_target_modules_is_refused_and_adding_them_works(
    tiny_llama: Callable[..., Any],
) -> None:
    from peft import IA3Config, get_peft_model

    with pytest.raises(ValueError, match=MESSAGE) as caught:
        IA3Config(target_modules=["q_proj", "v_proj"], feedforward_modules=["down_proj"])

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    config = IA3Config(target_modules=["q_proj", "v_proj", "down_proj"], feedforward_modules=["down_proj"])
    model = get_peft_model(tiny_llama(), config)
    layer = model.base_model.model.model.layers[0]
    assert layer.mlp.down_proj.is_feedforward and not layer.self_attn.q_proj.is_feedforward


def test_a_saved_config_whose_feedforward_modules_are_not_targets_fails_to_load(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import IA3Config, PeftModel, get_peft_model

    folder = tmp_path / "ia3"
    config = IA3Config(target_modules=["q_proj", "v_proj"], feedforward_modules=[])
    get_peft_model(tiny_llama(), config).save_pretrained(folder)
    # as saved by a peft release without the subset check (before 0.6.1), or edited by hand
    path = folder / "adapter_config.json"
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "feedforward_modules": ["down_proj"]}))

    with pytest.raises(ValueError, match=MESSAGE) as caught:
        PeftModel.from_pretrained(tiny_llama(), folder)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # down_proj was never adapted, so it is dropped from feedforward_modules (the weights stay valid)
    path.write_text(json.dumps({**saved, "feedforward_modules": []}))
    model = PeftModel.from_pretrained(tiny_llama(), folder)
    assert model.peft_config["default"].feedforward_modules == set()
