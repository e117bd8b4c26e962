"""no-trainable-params: an adapter loaded for training without ``is_trainable=True``."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model, saved, tiny


def fault(tmp_path: Path) -> Scenario:
    from peft import PeftModel

    adapter = saved(clean_model(), tmp_path / "adapter")
    return Scenario(PeftModel.from_pretrained(tiny(), adapter).train(), "training")


def clean(tmp_path: Path) -> Scenario:
    from peft import PeftModel

    adapter = saved(clean_model(), tmp_path / "adapter")
    return Scenario(PeftModel.from_pretrained(tiny(), adapter, is_trainable=True).train(), "training")
