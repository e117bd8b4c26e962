"""ptuning-pre-seq-len-mismatch: prompt weights trained with 16 virtual tokens, a model built with 8."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, saved, tiny


def prompt_tuned(tokens: int) -> Any:
    from peft import PromptTuningConfig, get_peft_model

    return get_peft_model(tiny(), PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=tokens)).eval()


def fault(tmp_path: Path) -> Scenario:
    adapter = saved(prompt_tuned(16), tmp_path / "prompt16")
    return Scenario(prompt_tuned(8), "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    model = prompt_tuned(8)
    return Scenario(model, "inference", {"adapter_dir": saved(model, tmp_path / "prompt8")})
