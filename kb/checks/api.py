"""What a check may use: the one import for ``kb/checks/<name>.py`` (``from .api import ...``).

A check is ``check(ctx: CheckContext) -> Finding`` plus an optional ``PHASE`` (``TRAINING``
or ``INFERENCE``: the phase in which its fault matters). Everything here is re-exported
from ``_core`` so the private modules can be reorganised without touching the checks;
a name not listed here is not part of the contract. Standard library only at import
time, like the checks themselves (they run inside the user's own interpreter).
"""

from __future__ import annotations

from ._core import (
    ADAPTER_WEIGHTS,
    CONFIRMED,
    ERROR,
    EVIDENCE_ITEMS,
    INFERENCE,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    PHASES,
    STATUSES,
    TRAINING,
    CheckContext,
    Finding,
    active_adapter_names,
    adapter_weights_path,
    base_model_of,
    base_weight,
    config_value,
    enum_text,
    finding,
    is_peft_model,
    lora_layers,
    lora_weights,
    model_precondition,
    model_type_of,
    peft_configs,
    read_adapter_config,
    read_model_config,
    read_tensors,
    sample,
    sharding,
    tensor_shapes,
    unwrap,
)

__all__ = [
    "ADAPTER_WEIGHTS",
    "CONFIRMED",
    "ERROR",
    "EVIDENCE_ITEMS",
    "INFERENCE",
    "NOT_APPLICABLE",
    "NOT_CONFIRMED",
    "PHASES",
    "STATUSES",
    "TRAINING",
    "CheckContext",
    "Finding",
    "active_adapter_names",
    "adapter_weights_path",
    "base_model_of",
    "base_weight",
    "config_value",
    "enum_text",
    "finding",
    "is_peft_model",
    "lora_layers",
    "lora_weights",
    "model_precondition",
    "model_type_of",
    "peft_configs",
    "read_adapter_config",
    "read_model_config",
    "read_tensors",
    "sample",
    "sharding",
    "tensor_shapes",
    "unwrap",
]
