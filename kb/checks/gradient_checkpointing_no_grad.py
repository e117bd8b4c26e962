"""gradient-checkpointing-no-grad: reentrant gradient checkpointing with frozen inputs.

Reentrant ``torch.utils.checkpoint`` only back-propagates when an input of the checkpointed block
requires grad; with a frozen base model the hidden states never do unless the input embeddings'
output is made to require grad (``enable_input_require_grads``).
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_CONFIRMED,
    TRAINING,
    CheckContext,
    Finding,
    base_model_of,
    finding,
    model_precondition,
    unwrap,
)

ENTRY = "gradient-checkpointing-no-grad"
PHASE = TRAINING
FIX = (
    "Call model.enable_input_require_grads() after enabling gradient checkpointing, or use "
    "gradient_checkpointing_kwargs={'use_reentrant': False}."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    model = unwrap(ctx.model)
    checkpointed = [(n, m) for n, m in model.named_modules() if getattr(m, "gradient_checkpointing", False) is True]
    if not checkpointed:
        return finding(ENTRY, NOT_CONFIRMED, "gradient checkpointing is off", fix=FIX)
    reentrant = _use_reentrant(checkpointed[0][1])
    evidence = [f"gradient checkpointing on in {len(checkpointed)} modules, e.g. {checkpointed[0][0] or '<root>'}"]
    evidence.append(f"use_reentrant: {reentrant if reentrant is not None else 'unknown'}")
    if reentrant is False:
        return finding(
            ENTRY,
            NOT_CONFIRMED,
            "non-reentrant checkpointing does not need grad-requiring inputs",
            evidence,
            FIX,
        )
    embeddings = _input_embeddings(model)
    if embeddings is None:
        return finding(ENTRY, NOT_CONFIRMED, "no input embeddings found to inspect", evidence, FIX)
    hooks = [getattr(hook, "__name__", type(hook).__name__) for hook in embeddings._forward_hooks.values()]
    weight = getattr(embeddings, "weight", None)
    if any("require" in name and "grad" in name for name in hooks):
        return finding(
            ENTRY,
            NOT_CONFIRMED,
            "the input embeddings' output is made to require grad",
            [*evidence, f"forward hooks: {', '.join(hooks)}"],
            FIX,
        )
    if weight is not None and weight.requires_grad:
        return finding(ENTRY, NOT_CONFIRMED, "the input embeddings are trainable", evidence, FIX)
    return finding(
        ENTRY,
        CONFIRMED,
        "reentrant gradient checkpointing, but the inputs of the checkpointed blocks never require grad",
        [*evidence, f"{type(embeddings).__name__} weight frozen, no require-grad forward hook"],
        FIX,
        note="backward fails with 'element 0 of tensors does not require grad' (or LoRA gets no gradient)",
    )


def _use_reentrant(module: Any) -> bool | None:
    func = getattr(module, "_gradient_checkpointing_func", None)
    keywords = getattr(func, "keywords", None)
    if keywords is None:
        return None
    value = keywords.get("use_reentrant")
    return True if value is None else bool(value)  # torch's default when not given is reentrant


def _input_embeddings(model: Any) -> Any:
    for candidate in (model, base_model_of(model)):
        getter = getattr(candidate, "get_input_embeddings", None)
        if callable(getter):
            try:
                return getter()
            except NotImplementedError:
                continue
    return None
