"""prefix-tuning-no-past-key-values: prefix tuning for classification/QA on a model peft sees without past_key_values.

For sequence classification, token classification and question answering, peft's prefix-tuning forward
passes the prefix as ``past_key_values``: to the model when its ``forward`` has that parameter, else to
the transformer backbone (``transformer_backbone_name``), and raises when neither has it. The same
signature test is made here (on the live model, so it follows the installed transformers: 5.24 renamed
the parameter to ``cache``).
"""

from __future__ import annotations

import inspect
from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    active_adapter_names,
    config_value,
    enum_text,
    finding,
    is_peft_model,
    model_precondition,
    unwrap,
)

ENTRY = "prefix-tuning-no-past-key-values"
PREFIX_TYPES = ("PREFIX_TUNING", "CARTRIDGE")
FIX = (
    "Use prompt tuning, p-tuning or LoRA for this classifier (prefix tuning needs a model that takes "
    "past_key_values; with transformers >= 5.24 and peft <= 0.21.2, pin transformers < 5.24)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    # only the classification and QA wrappers have _prefix_tuning_forward; causal LM passes the prefix by keyword
    if not is_peft_model(model) or not hasattr(model, "_prefix_tuning_forward"):
        return finding(ENTRY, NOT_APPLICABLE, "not a PEFT classification or question-answering model")
    names = active_adapter_names(model)
    config = model.peft_config.get(names[0]) if names else None
    peft_type = enum_text(config_value(config, "peft_type", ""))
    if not getattr(config, "is_prompt_learning", False):
        return finding(ENTRY, NOT_APPLICABLE, f"the active adapter is {peft_type or 'unknown'}, not prompt learning")
    if peft_type not in PREFIX_TYPES:
        return finding(
            ENTRY, NOT_CONFIRMED, f"the active adapter is {peft_type}, which does not use past_key_values", fix=FIX
        )
    evidence = [f"[{names[0]}] {peft_type} on {type(model).__name__}"]
    base = model.base_model
    params = _params(base)
    if "past_key_values" in params:
        return finding(ENTRY, NOT_CONFIRMED, f"{type(base).__name__}.forward takes past_key_values", evidence, FIX)
    backbone = base.get_submodule(model.transformer_backbone_name)
    backbone_params = _params(backbone)
    evidence.append(f"{type(base).__name__}.forward: no past_key_values")
    if "past_key_values" in backbone_params:
        return finding(
            ENTRY, NOT_CONFIRMED, f"the backbone {type(backbone).__name__} takes past_key_values", evidence, FIX
        )
    renamed = " (it takes `cache`: renamed in transformers 5.24)" if "cache" in backbone_params else ""
    evidence.append(
        f"backbone {model.transformer_backbone_name} ({type(backbone).__name__}): no past_key_values{renamed}"
    )
    return finding(
        ENTRY,
        CONFIRMED,
        f"neither {type(base).__name__} nor its backbone takes past_key_values, which prefix tuning passes",
        evidence,
        FIX,
    )


def _params(module: Any) -> set[str]:
    return set(inspect.signature(module.forward).parameters)
