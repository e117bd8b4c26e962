"""outdated-package: an adapter config with a key this peft does not know (saved by a newer one)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import Scenario, clean_inference, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    model = clean_model()
    adapter = saved(model, tmp_path / "newer")
    config_path = os.path.join(adapter, "adapter_config.json")
    with open(config_path) as handle:
        config = json.load(handle)
    config["use_future_magic"] = True
    with open(config_path, "w") as handle:
        json.dump(config, handle)
    return Scenario(model, "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
