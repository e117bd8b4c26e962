"""boft-in-features-not-divisible: a BOFT config whose block size (or number of blocks) does not divide the
input features of every layer it targets.

``BOFTLayer.update_layer`` raises for the first targeted layer whose ``in_features`` (a Conv2d: in_channels
x kernel_size[0]^2) is not divisible by ``boft_block_size`` (or ``boft_block_num``). The check walks the
model's Linear/Conv2d layers that peft's own target matching selects and computes the same remainders.
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
    enum_text,
    finding,
    model_precondition,
    peft_configs,
    sample,
    unwrap,
)

ENTRY = "boft-in-features-not-divisible"
FIX = (
    "Pick a boft_block_size (or boft_block_num) that divides the input features of every targeted layer "
    "(a power of two such as 16 usually does), or target only layers whose sizes it divides."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {
        name: config
        for name, config in peft_configs(ctx).items()
        if not isinstance(config, dict) and enum_text(config_value(config, "peft_type")) == "BOFT"
    }
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no BOFT config to check against the model")
    from peft.tuners.tuners_utils import check_target_module_exists

    model = base_model_of(unwrap(ctx.model))
    evidence: list[str] = []
    bad: list[str] = []
    checked = 0
    for adapter, config in configs.items():
        size = int(config_value(config, "boft_block_size", 0) or 0)
        num = int(config_value(config, "boft_block_num", 0) or 0)
        param, value = ("boft_block_size", size) if size else ("boft_block_num", num)
        if not value:
            continue
        for key, module in model.named_modules():
            features = _features(module)
            if features is None or not check_target_module_exists(config, key):
                continue
            checked += 1
            if features % value:
                bad.append(f"[{adapter}] {key}: in_features {features} not divisible by {param} {value}")
    if not checked:
        return finding(ENTRY, NOT_APPLICABLE, "no Linear or Conv2d layer of the model is a BOFT target")
    if bad:
        evidence.extend(sample(bad))
        return finding(
            ENTRY, CONFIRMED, f"{len(bad)} targeted layer(s) cannot be split into BOFT blocks", evidence, FIX
        )
    evidence.append(f"{checked} targeted layer(s): every in_features is divisible")
    return finding(ENTRY, NOT_CONFIRMED, "the BOFT blocks divide every targeted layer", evidence, FIX)


def _features(module: Any) -> int | None:
    """What BOFT splits into blocks: in_features of a Linear, in_channels x kernel^2 of a Conv2d."""
    import torch

    if isinstance(module, torch.nn.Linear):
        return int(module.in_features)
    if isinstance(module, torch.nn.Conv2d):
        return int(module.in_channels * module.kernel_size[0] * module.kernel_size[0])
    return None
