"""Check for trainable-token-indices-overlap: two adapters train some of the same token rows of one layer.

A ``TrainableTokensLayer`` keeps each adapter's row indices in ``token_indices``; merging or
activating two adapters whose indices intersect raises in ``_check_overlapping_tokens``.
The same dictionaries are compared here, pair by pair.
"""

from __future__ import annotations

from itertools import combinations
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
    unwrap,
)

ENTRY = "trainable-token-indices-overlap"
FIX = (
    "Merge or activate together only adapters with disjoint trainable_token_indices; otherwise use them one at a "
    "time (set_adapter) or retrain one of them on other token ids."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    layers = 0
    overlaps: list[str] = []
    for name, module in unwrap(ctx.model).named_modules():
        indices = _token_indices(module)
        if indices is None:
            continue
        layers += 1
        for first, second in combinations(sorted(indices), 2):
            shared = sorted(set(indices[first]) & set(indices[second]))
            if shared:
                overlaps.append(f"{name}: adapters {first!r} and {second!r} both train token ids {shared[:10]}")
    if not layers:
        return finding(ENTRY, NOT_APPLICABLE, "no trainable-token layers on this model")
    if overlaps:
        return finding(
            ENTRY, CONFIRMED, "adapters train overlapping token indices of the same layer", sample(overlaps), FIX
        )
    return finding(ENTRY, NOT_CONFIRMED, f"the token indices of the adapters are disjoint ({layers} layers)", (), FIX)


def _token_indices(module: Any) -> dict[str, list[int]] | None:
    """A trainable-token layer's adapter → token indices, or None (tied copies are skipped: they share the dict)."""
    indices = vars(module).get("token_indices")
    if not isinstance(indices, dict) or vars(module).get("tied_adapter") is not None:
        return None
    if not hasattr(module, "trainable_tokens_delta"):
        return None
    return {str(key): list(value) for key, value in indices.items()}
