"""ia3-feedforward-not-subset: an IA3 config whose feedforward_modules are not all in target_modules.

``IA3Config.__post_init__`` (peft >= 0.6.1) refuses such a config when both are lists or sets; a saved
``adapter_config.json`` written by an older peft (or by hand) can still hold one, and then fails to load.
The check compares the two fields of every IA3 config it can see (live configs or the saved JSON).
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
    peft_configs,
    sample,
)

ENTRY = "ia3-feedforward-not-subset"
FIX = (
    "Add every feedforward module to target_modules as well, or remove it from feedforward_modules "
    "(in adapter_config.json for a saved adapter) when it was never adapted."
)


def check(ctx: CheckContext) -> Finding:
    pairs = {}
    for name, config in peft_configs(ctx).items():
        if enum_text(config_value(config, "peft_type")) != "IA3":
            continue
        targets = config_value(config, "target_modules")
        feedforward = config_value(config, "feedforward_modules")
        if isinstance(targets, (list, set, tuple)) and isinstance(feedforward, (list, set, tuple)):
            pairs[name] = (set(targets), set(feedforward))
    if not pairs:
        return finding(ENTRY, NOT_APPLICABLE, "no IA3 config with both target_modules and feedforward_modules as lists")
    evidence = []
    outside: list[str] = []
    for name, (targets, feedforward) in pairs.items():
        extra = sorted(feedforward - targets)
        outside.extend(extra)
        evidence.append(
            f"[{name}] target_modules {sorted(targets)}; feedforward_modules {sorted(feedforward)}"
            + (f"; not targets: {sample(extra)}" if extra else "")
        )
    if outside:
        return finding(
            ENTRY,
            CONFIRMED,
            f"feedforward_modules {sorted(set(outside))} are not in target_modules",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "every feedforward module is also a target module", evidence, FIX)
