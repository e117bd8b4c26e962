"""prefix-tuning-gradient-checkpointing: prefix tuning with gradient checkpointing enabled after get_peft_model.

That is what ``Trainer(gradient_checkpointing=True)`` does to a prefix-tuning PeftModel; the clean
state is the same model without checkpointing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def _prefix_model() -> Any:
    from peft import PrefixTuningConfig, get_peft_model

    return get_peft_model(tiny(), PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))


def fault(tmp_path: Path) -> Scenario:
    model = _prefix_model()
    model.gradient_checkpointing_enable()
    return Scenario(model.train(), "training")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(_prefix_model().train(), "training")
