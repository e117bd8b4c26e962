"""Check for trainable-token-indices-tied-mismatch: tied embedding layers given different token indices.

With ``tie_word_embeddings`` the input embedding and the output layer (``lm_head``) are one
tensor. ``set_additional_trainable_modules`` compares the ``trainable_token_indices`` given to
the tied layers and raises under ``ensure_weight_tying=True`` when they differ (without it, the
layers get separate, untied token adapters). The same comparison runs here on the config.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    config_value,
    finding,
    model_precondition,
    peft_configs,
    unwrap,
)

ENTRY = "trainable-token-indices-tied-mismatch"
FIX = (
    "Give the tied layers the same indices (or name only the input embedding: "
    "trainable_token_indices={'embed_tokens': ids}), or untie the model (tie_word_embeddings=False)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: indices
        for name, config in peft_configs(ctx).items()
        if isinstance(indices := config_value(config, "trainable_token_indices"), dict) and len(indices) > 1
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter config with trainable_token_indices for several layers")
    base = base_model_of(unwrap(ctx.model))
    if not _tied(base):
        return finding(ENTRY, NOT_APPLICABLE, "the model does not tie its input and output embeddings")
    tied_names = _embedding_names(base)
    evidence = [f"tied layers: {', '.join(tied_names)}"]
    mismatched = []
    for adapter, indices in configs.items():
        tied = {key: list(value) for key, value in indices.items() if any(n.endswith(key) for n in tied_names)}
        evidence.append(f"[{adapter}] ensure_weight_tying={_ensure(ctx, adapter)}; tied layers' indices: {tied}")
        if len(tied) > 1 and len({tuple(value) for value in tied.values()}) > 1:
            mismatched.append(adapter)
    if mismatched:
        return finding(
            ENTRY, CONFIRMED, f"tied layers are given different token indices in {', '.join(mismatched)}", evidence, FIX
        )
    return finding(ENTRY, NOT_CONFIRMED, "tied layers share the same token indices", evidence, FIX)


def _tied(model: Any) -> bool:
    config = getattr(model, "config", None)
    if isinstance(config, dict):
        return bool(config.get("tie_word_embeddings"))
    return bool(getattr(config, "tie_word_embeddings", False))


def _embedding_names(model: Any) -> list[str]:
    """Module names of the input embedding and of the output layer tied to it."""
    wanted = [
        layer
        for layer in (_call(model, "get_input_embeddings"), _call(model, "get_output_embeddings"))
        if layer is not None
    ]
    return [name for name, module in model.named_modules() if any(module is layer for layer in wanted)]


def _call(model: Any, method: str) -> Any:
    try:
        return getattr(model, method)()
    except (AttributeError, NotImplementedError):
        return None


def _ensure(ctx: CheckContext, adapter: str) -> Any:
    return config_value(peft_configs(ctx)[adapter], "ensure_weight_tying", False)
