"""target-modules-not-found: one target module name that this architecture does not have."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny(), target_modules=["q_proj", "query_key_value"])), "inference")


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
