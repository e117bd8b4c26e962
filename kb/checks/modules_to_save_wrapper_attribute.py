"""modules-to-save-wrapper-attribute: a ModulesToSaveWrapper that does not pass its layer's attributes on.

Each wrapper of a ``modules_to_save`` layer is asked, through plain ``getattr``, for the attributes of
the layer it wraps (the active adapter's copy, else the original): its parameters (``weight``, ``bias``)
and its public plain-valued attributes (``out_features``, ``num_embeddings``, ...). peft 0.7.x answers
none of them, 0.8.0-0.13.x only ``weight``, 0.14.0 and later all; the installed wrapper is what is asked,
so the answer holds for the peft in use.
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

ENTRY = "modules-to-save-wrapper-attribute"
WRAPPER = "ModulesToSaveWrapper"
FIX = (
    "Upgrade peft to >= 0.14.0 (pip install -U peft), or read the attribute from the wrapped layer: "
    'wrapper.modules_to_save["default"] (the trainable copy) or wrapper.original_module.'
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    import peft

    model = unwrap(ctx.model)
    wrappers = wrappers_named(model, WRAPPER)
    if not wrappers:
        return finding(ENTRY, NOT_APPLICABLE, "no modules_to_save layer (no ModulesToSaveWrapper) in the model")
    evidence = [f"installed peft {getattr(peft, '__version__', 'unknown')}"]
    missing_total = 0
    for name, wrapper in wrappers:
        layer = _wrapped_layer(wrapper)
        if layer is None:
            evidence.append(f"{name}: no wrapped layer found")
            continue
        wanted, missing = unanswered_attributes(wrapper, layer)
        missing_total += len(missing)
        if missing:
            evidence.append(
                f"{name}: {type(wrapper).__name__} around {type(layer).__name__} has no attribute " + ", ".join(missing)
            )
        else:
            evidence.append(f"{name}: {type(layer).__name__}'s {', '.join(wanted)} are reachable through the wrapper")
    if missing_total:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{missing_total} attributes of modules_to_save layers are not reachable through {WRAPPER}",
            sample(evidence, 6),
            FIX,
        )
    return finding(
        ENTRY, NOT_CONFIRMED, f"{WRAPPER} forwards every attribute of the layers it wraps", sample(evidence, 6), FIX
    )


def _wrapped_layer(wrapper: Any) -> Any:
    """The layer reads should reach: the active adapter's trainable copy, else the original module."""
    modules = getattr(wrapper, "_modules", {})
    copies = modules.get("modules_to_save")
    active = getattr(wrapper, "__dict__", {}).get("_active_adapter", None) or getattr(wrapper, "active_adapter", None)
    if callable(active):
        active = None
    names = [active] if isinstance(active, str) else list(active or [])
    for adapter in names:
        if copies is not None and adapter in copies:
            return copies[adapter]
    return modules.get("original_module")
