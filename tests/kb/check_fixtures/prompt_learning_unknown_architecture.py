"""prompt-learning-unknown-architecture: prompt tuning for a Mamba model (its config has no attention heads).

get_peft_model raised, so the model is the plain one and the config comes beside it; the clean
state is the same config for a Llama, whose config names all three values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def _prompt_tuning() -> Any:
    from peft import PromptTuningConfig

    return PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4)


def fault(tmp_path: Path) -> Scenario:
    import torch
    from transformers import MambaConfig, MambaForCausalLM

    torch.manual_seed(0)
    mamba = MambaForCausalLM(MambaConfig(hidden_size=32, num_hidden_layers=2, vocab_size=128, state_size=4, expand=2))
    return Scenario(mamba.eval(), "training", {"peft_config": _prompt_tuning()})


def clean(tmp_path: Path) -> Scenario:
    return Scenario(tiny(), "training", {"peft_config": _prompt_tuning()})
