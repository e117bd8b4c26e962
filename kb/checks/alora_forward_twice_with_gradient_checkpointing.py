"""Check for alora-forward-twice-with-gradient-checkpointing: aLoRA hooks left on checkpointed layers.

With an aLoRA adapter (``alora_invocation_tokens``) and gradient checkpointing, each forward
registers hooks on every checkpointed decoder layer (``_peft_gradient_checkpointing_forward_hooks``)
that only the backward pass removes. Hooks still there mean a forward ran without its backward
(an evaluation pass, or two forwards per step), and the next forward raises. Those lists are read here.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    config_value,
    finding,
    model_precondition,
    peft_configs,
    sample,
    unwrap,
)

ENTRY = "alora-forward-twice-with-gradient-checkpointing"
FIX = (
    "Run one forward per backward while gradient checkpointing is on; for evaluation passes call "
    "model.gradient_checkpointing_disable() first and gradient_checkpointing_enable() before training again."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    alora = [name for name, config in peft_configs(ctx).items() if config_value(config, "alora_invocation_tokens")]
    if not alora:
        return finding(ENTRY, NOT_APPLICABLE, "no aLoRA adapter (alora_invocation_tokens) on this model")
    checkpointed = []
    pending = []
    for name, module in unwrap(ctx.model).named_modules():
        if not getattr(module, "gradient_checkpointing", False) or not hasattr(module, "register_full_backward_hook"):
            continue
        checkpointed.append(name)
        hooks = vars(module).get("_peft_gradient_checkpointing_forward_hooks") or []
        if hooks:
            pending.append(f"{name}: {len(hooks)} hooks left by a forward without backward")
    evidence = [f"aLoRA adapters: {', '.join(alora)}", f"{len(checkpointed)} layers with gradient checkpointing"]
    if not checkpointed:
        return finding(ENTRY, NOT_APPLICABLE, "gradient checkpointing is not enabled on any layer", evidence)
    if pending:
        return finding(
            ENTRY,
            CONFIRMED,
            "a forward pass ran without backward: the next forward of this aLoRA model will raise",
            evidence + sample(pending),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "no aLoRA hooks are pending on the checkpointed layers", evidence, FIX)
