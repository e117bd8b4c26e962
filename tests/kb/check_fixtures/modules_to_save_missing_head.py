"""modules-to-save-missing-head: a classifier adapter that does not save its new head."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny("classifier"))), "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny("classifier"), task_type="SEQ_CLS")), "inference")
