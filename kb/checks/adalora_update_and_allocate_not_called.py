"""adalora-update-and-allocate-not-called: an AdaLoRA adapter whose ranks were never reallocated.

AdaLoRA prunes from ``init_r`` towards ``target_r`` only inside ``update_and_allocate(global_step)``,
which nothing calls for you. Once it runs past ``tinit`` it writes ``rank_pattern`` into the config
(and at ``total_step - tfinal`` the final one), so a saved AdaLoRA adapter with ``rank_pattern: null``
was trained like a fixed-rank LoRA, unless it was saved before step ``tinit``. On a live model the
Trainer's ``global_step`` tells: past ``tinit`` with no ``rank_pattern`` and no importance scores
(``rankallocator.ipt``) means the call never happened.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    config_value,
    finding,
    is_peft_model,
    read_adapter_config,
    sharding,
    unwrap,
)

ENTRY = "adalora-update-and-allocate-not-called"
FIX = (
    "Call model.base_model.update_and_allocate(global_step) after loss.backward() and before optimizer.zero_grad() "
    "in every step (with Trainer: in a subclass's training_step, before the gradients are cleared)."
)


def check(ctx: CheckContext) -> Finding:
    step = _global_step(ctx)
    live = _live_config(ctx) if step is not None else None
    saved = read_adapter_config(ctx.adapter_dir) if ctx.adapter_dir else None
    if saved is not None and str(saved.get("peft_type")) != "ADALORA":
        saved = None
    if live is None and saved is None:
        return finding(ENTRY, NOT_APPLICABLE, "no AdaLoRA adapter (saved, or live with the Trainer's step) to inspect")
    config, where = (live, "live model") if live is not None else (saved, "adapter_config.json")
    tinit = int(config_value(config, "tinit", 0) or 0)
    total = config_value(config, "total_step")
    pattern = config_value(config, "rank_pattern")
    evidence = [
        f"{where}: init_r {config_value(config, 'init_r')}, target_r {config_value(config, 'target_r')}, "
        f"tinit {tinit}, tfinal {config_value(config, 'tfinal')}, total_step {total}",
        f"rank_pattern: {'null' if pattern is None else f'{len(pattern)} layers'}",
    ]
    if step is not None:
        evidence.append(f"Trainer global_step: {step}")
    if pattern:
        return finding(ENTRY, NOT_CONFIRMED, "ranks were reallocated (rank_pattern is set)", evidence, FIX)
    if step is not None and step <= tinit:
        return finding(ENTRY, NOT_CONFIRMED, f"step {step} is not past tinit={tinit}: too early to tell", evidence, FIX)
    if live is not None:
        scores = getattr(getattr(unwrap(ctx.model), "base_model", None), "rankallocator", None)
        if getattr(scores, "ipt", None):
            return finding(ENTRY, NOT_CONFIRMED, "the rank allocator has importance scores", evidence, FIX)
        evidence.append("rankallocator.ipt: empty (never updated)")
    return finding(
        ENTRY,
        CONFIRMED,
        "AdaLoRA's ranks were never reallocated (rank_pattern is null): update_and_allocate was not called",
        evidence,
        FIX,
        note="" if step is not None else f"unless the adapter was saved before step tinit={tinit}",
    )


def _global_step(ctx: CheckContext) -> int | None:
    step = getattr(getattr(ctx.trainer, "state", None), "global_step", None)
    return step if isinstance(step, int) else None


def _live_config(ctx: CheckContext) -> Any:
    """The active AdaLoRA config of a live, unsharded PeftModel, or None."""
    if ctx.model is None:
        return None
    model = unwrap(ctx.model)
    if not is_peft_model(model) or sharding(model):
        return None
    for config in model.peft_config.values():
        if str(getattr(config_value(config, "peft_type"), "value", config_value(config, "peft_type"))) == "ADALORA":
            return config
    return None
