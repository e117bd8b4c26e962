"""oft-legacy-checkpoint: an OFT adapter whose adapter_config.json holds only keys peft 0.13.2 wrote
(no ``oft_block_size``); the clean state is the same adapter as current peft saves it.

A real 0.13 config also carries rank_pattern/alpha_pattern (LycorisConfig then), which current OFTConfig
does not know; the outdated-package check reports those, so they are left out to plant this fault alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import Scenario, tiny

FIELDS_0_13 = {
    "auto_mapping", "base_model_name_or_path", "revision", "peft_type", "task_type", "inference_mode",
    "r", "module_dropout", "target_modules", "init_weights", "layers_to_transform", "layers_pattern",
    "modules_to_save", "coft", "eps", "block_share",
}  # fmt: skip


def saved_oft(folder: Path) -> Path:
    from peft import OFTConfig, get_peft_model

    config = OFTConfig(r=4, oft_block_size=0, target_modules=["q_proj", "v_proj"])
    get_peft_model(tiny(), config).save_pretrained(str(folder))
    return folder


def fault(tmp_path: Path) -> Scenario:
    folder = saved_oft(tmp_path / "oft")
    path = folder / "adapter_config.json"
    saved = json.loads(path.read_text())
    old = {key: value for key, value in saved.items() if key in FIELDS_0_13}
    path.write_text(json.dumps(old))
    return Scenario(tiny(), "inference", {"adapter_dir": str(folder)})


def clean(tmp_path: Path) -> Scenario:
    return Scenario(tiny(), "inference", {"adapter_dir": str(saved_oft(tmp_path / "oft"))})
