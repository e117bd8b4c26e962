"""trainable-tokens-wrapper-attribute: a TrainableTokensWrapper that does not pass its layer's attributes on.

Each ``TrainableTokensWrapper`` (a layer in ``trainable_token_indices``: embed_tokens, a tied lm_head) is
asked, through plain ``getattr``, for the attributes of the layer it wraps (``original_module``, i.e.
``token_adapter.base_layer``): its public plain-valued attributes (``num_embeddings``, ``embedding_dim``,
``padding_idx``, ``out_features``, ...) and its parameters other than ``weight``. ``weight`` itself is not
asked: the wrapper answers it by merging the token deltas into a copy of the whole matrix. peft 0.15.0-0.21.2
answer none of these while an adapter is active, and all of them with adapters disabled; the installed
wrapper in its current state is what is asked, so the answer holds for the peft in use.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    model_precondition,
    sample,
    unanswered_attributes,
    unwrap,
    wrappers_named,
)

ENTRY = "trainable-tokens-wrapper-attribute"
WRAPPER = "TrainableTokensWrapper"
FIX = (
    "Read the attribute from the wrapped layer: model.get_input_embeddings().original_module.num_embeddings "
    "(the same module as wrapper.token_adapter.base_layer), or from model.config."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    import peft

    model = unwrap(ctx.model)
    wrappers = wrappers_named(model, WRAPPER)
    if not wrappers:
        return finding(ENTRY, NOT_APPLICABLE, f"no layer in trainable_token_indices (no {WRAPPER}) in the model")
    evidence = [f"installed peft {getattr(peft, '__version__', 'unknown')}"]
    missing_names: list[str] = []
    for name, wrapper in wrappers:
        layer = _wrapped_layer(wrapper)
        if layer is None:
            evidence.append(f"{name}: no wrapped layer found")
            continue
        wanted, missing = unanswered_attributes(wrapper, layer, skip=("weight",))
        missing_names += [attr for attr in missing if attr not in missing_names]
        if missing:
            evidence.append(
                f"{name}: {WRAPPER} around {type(layer).__name__} has no attribute "
                + ", ".join(f"{attr} (the layer's: {getattr(layer, attr)!r})" for attr in missing)
            )
        elif wanted:
            evidence.append(f"{name}: {type(layer).__name__}'s {', '.join(wanted)} are reachable through the wrapper")
    if missing_names:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{', '.join(missing_names)} of the layers in trainable_token_indices are not reachable through {WRAPPER}",
            sample(evidence, 6),
            FIX,
        )
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        f"{WRAPPER} answers every attribute of the layers it wraps (adapters disabled or a forwarding peft)",
        sample(evidence, 6),
        FIX,
    )


def _wrapped_layer(wrapper: Any) -> Any:
    """The original layer: ``token_adapter.base_layer`` (what the ``original_module`` property returns)."""
    adapter = getattr(wrapper, "_modules", {}).get("token_adapter")
    if adapter is None:
        return None
    return getattr(adapter, "_modules", {}).get("base_layer")
