"""prefix-tuning-gradient-checkpointing: a prefix-tuning adapter on a model with gradient checkpointing on.

Prefix tuning hands its virtual key/values to the model as a ``Cache``; transformers' checkpointed
decoder layers drop the cache (``use_cache=False``), so the prefix is lost while the attention mask
still counts it. peft >= 0.14 refuses to add the adapter when a module of the base model already has
``gradient_checkpointing`` set; enabled afterwards (``Trainer(gradient_checkpointing=True)``), the
forward fails on the mask size. Both states are read here: the ``gradient_checkpointing`` flags of
the model's modules and the peft type of its adapter configs (or of the config about to be applied).
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    config_value,
    enum_text,
    finding,
    model_precondition,
    peft_configs,
    sample,
    unwrap,
)

ENTRY = "prefix-tuning-gradient-checkpointing"
PREFIX_TYPES = ("PREFIX_TUNING", "CARTRIDGE")  # the peft types _setup_prompt_encoder refuses with checkpointing
FIX = (
    "Turn gradient checkpointing off for prefix tuning (model.gradient_checkpointing_disable(), "
    "TrainingArguments(gradient_checkpointing=False)), or use prompt tuning or LoRA to keep it."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    prefix = {
        name: peft_type
        for name, config in peft_configs(ctx).items()
        if (peft_type := enum_text(config_value(config, "peft_type", ""))) in PREFIX_TYPES
    }
    if not prefix:
        return finding(ENTRY, NOT_APPLICABLE, "no prefix-tuning adapter config here")
    checkpointed = [
        name or "<root>"
        for name, module in unwrap(ctx.model).named_modules()
        if getattr(module, "gradient_checkpointing", False) is True
    ]
    evidence = [f"[{name}] peft_type {peft_type}" for name, peft_type in prefix.items()]
    if not checkpointed:
        return finding(ENTRY, NOT_CONFIRMED, "gradient checkpointing is off", evidence, FIX)
    evidence.append(f"gradient_checkpointing=True on {len(checkpointed)} modules: {', '.join(sample(checkpointed))}")
    return finding(
        ENTRY,
        CONFIRMED,
        "a prefix-tuning adapter on a model with gradient checkpointing enabled",
        evidence,
        FIX,
        note="get_peft_model refuses it (peft >= 0.14); enabled later, the forward fails on the attention mask size",
    )
