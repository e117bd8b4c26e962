"""generate-sampling-seed: a model whose generation config samples (as many shipped ones do)."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    config = model.get_base_model().generation_config
    config.do_sample, config.temperature, config.top_p = True, 0.7, 0.9
    return Scenario(model, "inference")


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
