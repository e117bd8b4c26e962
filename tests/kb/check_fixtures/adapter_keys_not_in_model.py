"""adapter-keys-not-in-model: an adapter of this very model, saved with its decoder under another prefix.

As the entry's reproduction: a trained LoRA on the tiny Llama, its keys renamed to
``model.language_model.layers.`` (Qwen2-VL's layout after transformers 4.52), beside the base it
was trained on. The clean state is the same adapter with the keys this model has.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, lora, saved, tiny, trained


def _renamed(folder: Path, old: str, new: str) -> None:
    from safetensors.torch import load_file, save_file

    weights = folder / "adapter_model.safetensors"
    save_file({key.replace(old, new): value for key, value in load_file(weights).items()}, weights)


def fault(tmp_path: Path) -> Scenario:
    adapter = saved(trained(lora(tiny())), tmp_path / "vl-lora")
    _renamed(Path(adapter), "model.layers.", "model.language_model.layers.")
    return Scenario(tiny(), "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    adapter = saved(trained(lora(tiny())), tmp_path / "lora")
    return Scenario(tiny(), "inference", {"adapter_dir": adapter})
