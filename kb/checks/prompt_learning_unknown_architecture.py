"""prompt-learning-unknown-architecture: a prompt-learning config peft cannot complete from this model's config.

Prompt-learning methods need ``num_layers``, ``token_dim`` and ``num_attention_heads``; when the
config leaves them None, peft reads them from the model config under a fixed list of key names
(``num_hidden_layers``/``n_layer``, ``hidden_size``/``n_embd``/``d_model``, ``num_attention_heads``/
``n_head``/...) and raises for a model that uses none of them. The installed peft's own routine
(``_prepare_prompt_learning_config``) is run here on a copy of the config, so the answer follows
the installed release.
"""

from __future__ import annotations

import copy
import importlib
import re
from typing import Any, Callable, cast

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

ENTRY = "prompt-learning-unknown-architecture"
FIELDS = ("num_layers", "token_dim", "num_attention_heads")
FIX = (
    "Set the missing values in the prompt-learning config from the model: num_layers (decoder layers), "
    "token_dim (hidden size), num_attention_heads (heads; any value for prompt tuning)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: config
        for name, config in peft_configs(ctx).items()
        if not isinstance(config, dict) and getattr(config, "is_prompt_learning", False)
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no prompt-learning adapter config object here")
    prepare = _prepare()
    if prepare is None:
        return finding(ENTRY, NOT_APPLICABLE, "this peft has no _prepare_prompt_learning_config to ask")
    base = base_model_of(unwrap(ctx.model))
    model_config = getattr(base, "config", None)
    evidence = [f"model: {type(base).__name__}, config {type(model_config).__name__}"]
    missing: list[str] = []
    for name, config in configs.items():
        given = {field: config_value(config, field) for field in FIELDS}
        try:
            prepare(copy.deepcopy(config), model_config if model_config is not None else {})
        except ValueError as exc:
            found = re.search(r"Please specify `?(\w+)`? in `?peft_config`?", str(exc))
            if found is None:
                raise
            missing.append(found.group(1))
            evidence.append(
                f"[{name}] {enum_text(config_value(config, 'peft_type'))}: {found.group(1)} unset ({given})"
            )
            continue
        evidence.append(f"[{name}] {enum_text(config_value(config, 'peft_type'))}: complete from the model config")
    if missing:
        return finding(
            ENTRY,
            CONFIRMED,
            f"peft cannot read {', '.join(sorted(set(missing)))} from this model's config "
            "and the adapter config leaves it unset",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "peft can complete every prompt-learning config here", evidence, FIX)


def _prepare() -> Callable[[Any, Any], Any] | None:
    """peft's routine that fills num_layers/token_dim/num_attention_heads (in peft.mapping before 0.3)."""
    for module_name in ("peft.utils", "peft.mapping"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        prepare = getattr(module, "_prepare_prompt_learning_config", None)
        if callable(prepare):
            return cast("Callable[[Any, Any], Any]", prepare)
    return None
