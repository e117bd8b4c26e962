"""wrong-task-type: a causal LM wrapped with task_type SEQ_CLS (and its classifier wrapper)."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny(), task_type="SEQ_CLS")), "inference")


def clean(tmp_path: Path) -> Scenario:
    scenario = clean_inference(tmp_path)
    return Scenario(trained(lora(tiny(), task_type="CAUSAL_LM")), "inference", scenario.context)
