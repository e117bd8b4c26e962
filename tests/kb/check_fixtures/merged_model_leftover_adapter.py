"""merged-model-leftover-adapter: a merged model saved into the folder that holds its adapter."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    folder = tmp_path / "output"
    saved(clean_model(), folder)  # the adapter's output folder
    merged = clean_model().merge_and_unload()
    merged.save_pretrained(str(folder))
    return Scenario(merged, "inference", {"base_dir": str(folder)})


def clean(tmp_path: Path) -> Scenario:
    saved(clean_model(), tmp_path / "output")
    merged = clean_model().merge_and_unload()
    merged.save_pretrained(str(tmp_path / "merged"))
    return Scenario(merged, "inference", {"base_dir": str(tmp_path / "merged")})
