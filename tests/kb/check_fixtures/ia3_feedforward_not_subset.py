"""ia3-feedforward-not-subset: a saved IA3 adapter whose adapter_config.json lists a feedforward module
(down_proj) that is not among its target_modules, as an older peft wrote it; the clean state lists none.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import Scenario, tiny


def saved_ia3(folder: Path, feedforward: list[str]) -> str:
    from peft import IA3Config, get_peft_model

    config = IA3Config(target_modules=["q_proj", "v_proj"], feedforward_modules=[])
    get_peft_model(tiny(), config).save_pretrained(str(folder))
    path = folder / "adapter_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "feedforward_modules": feedforward}))
    return str(folder)


def fault(tmp_path: Path) -> Scenario:
    return Scenario(tiny(), "inference", {"adapter_dir": saved_ia3(tmp_path / "ia3", ["down_proj"])})


def clean(tmp_path: Path) -> Scenario:
    return Scenario(tiny(), "inference", {"adapter_dir": saved_ia3(tmp_path / "ia3", [])})
