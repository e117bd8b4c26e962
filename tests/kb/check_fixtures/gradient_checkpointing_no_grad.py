"""gradient-checkpointing-no-grad: reentrant checkpointing with input grads disabled."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model


def fault(tmp_path: Path) -> Scenario:
    model = clean_model().train()
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    model.disable_input_require_grads()
    return Scenario(model, "training")


def clean(tmp_path: Path) -> Scenario:
    model = clean_model().train()
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    return Scenario(model, "training")
