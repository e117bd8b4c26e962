"""adapter-loaded-as-full-model: the adapter's folder given as the model's."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model, saved, tiny


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    return Scenario(model, "inference", {"base_dir": saved(model, tmp_path / "adapter")})


def clean(tmp_path: Path) -> Scenario:
    base = tiny()
    base.save_pretrained(str(tmp_path / "base"))
    return Scenario(base, "inference", {"base_dir": str(tmp_path / "base")})
