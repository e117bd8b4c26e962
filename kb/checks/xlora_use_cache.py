"""xlora-use-cache: an X-LoRA config for a base model whose config still has ``use_cache=True``.

``XLoraModel.__init__`` raises when ``model.config.use_cache`` is true; transformers models default to
true. The check reads the same attribute of the base model, given an X-LoRA config.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    config_value,
    enum_text,
    finding,
    model_precondition,
    peft_configs,
    unwrap,
)

ENTRY = "xlora-use-cache"
FIX = (
    "Set model.config.use_cache = False (or load the base with use_cache=False) before get_peft_model with XLoraConfig."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    names = [
        name for name, config in peft_configs(ctx).items() if enum_text(config_value(config, "peft_type")) == "XLORA"
    ]
    if not names:
        return finding(ENTRY, NOT_APPLICABLE, "no X-LoRA config")
    base = base_model_of(unwrap(ctx.model))
    config = getattr(base, "config", None)
    if config is None or not hasattr(config, "use_cache"):
        return finding(ENTRY, NOT_APPLICABLE, "the base model has no config.use_cache")
    evidence = [f"X-LoRA config: {', '.join(names)}", f"{type(base).__name__}.config.use_cache = {config.use_cache!r}"]
    if config.use_cache:
        message = "the base model's config has use_cache=True, which X-LoRA refuses"
        return finding(ENTRY, CONFIRMED, message, evidence, FIX)
    return finding(ENTRY, NOT_CONFIRMED, "use_cache is off", evidence, FIX)
