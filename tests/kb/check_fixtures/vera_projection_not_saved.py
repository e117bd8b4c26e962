"""vera-projection-not-saved: a tiny Llama VeRA adapter saved with save_projection=False (no vera_A/vera_B
in the file); clean: the same adapter saved with the default save_projection=True.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from . import Scenario, tiny


def saved_vera(folder: Path, save_projection: bool) -> str:
    from peft import VeraConfig, get_peft_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning this entry is about
        config = VeraConfig(r=8, target_modules=["q_proj", "v_proj"], save_projection=save_projection)
    get_peft_model(tiny(), config).save_pretrained(str(folder))
    return str(folder)


def fault(tmp_path: Path) -> Scenario:
    return Scenario(tiny(), "inference", {"adapter_dir": saved_vera(tmp_path / "vera", False)})


def clean(tmp_path: Path) -> Scenario:
    return Scenario(tiny(), "inference", {"adapter_dir": saved_vera(tmp_path / "vera", True)})
