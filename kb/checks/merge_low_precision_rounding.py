"""merge-low-precision-rounding: an adapter merged into (or about to be merged into) bf16/fp16 base weights.

``merge`` writes W + B @ A * scaling back into the base weight in the weight's own dtype, so in
bfloat16 (8 significant bits) or float16 (11) every merged element is rounded, and the part of
the update smaller than half a step of its weight is lost outright; the unmerged model adds the
LoRA output without touching W. The trace is on the LoRA layers: ``merged_adapters`` and the
dtype of the base weight. The update is recomputed in float32 from lora_A/lora_B to say how
much of it such a merge drops. A layer merged in float32 rounds at 24 bits: not this fault.
An unmerged adapter on a low-precision base is reported when this check is asked for by name
(the user asks whether merging it rounds); ``diagnose`` only notes it.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_weight,
    finding,
    lora_layers,
    lora_weights,
    model_precondition,
    unwrap,
)

ENTRY = "merge-low-precision-rounding"
FIX = (
    "Merge in float32 and cast once at the end: load the base with dtype=torch.float32, merge_and_unload(), "
    "then .to(torch.bfloat16); do not cycle merge_adapter()/unmerge_adapter() on bf16/fp16 weights."
)
BITS = {"torch.bfloat16": 8, "torch.float16": 11}  # significant bits of the low-precision float dtypes


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    layers = dict(lora_layers(unwrap(ctx.model)))
    if not layers:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA layers: a merged-and-unloaded model does not show its merge")
    merged: dict[str, list[str]] = {}  # dtype → layers merged in it
    unmerged: dict[str, list[str]] = {}
    dropped = [0, 0]  # update elements lost to rounding, non-zero update elements
    for name, layer in layers.items():
        weight = base_weight(layer)
        if weight is None or not weight.is_floating_point() or weight.device.type == "meta":
            continue  # quantized bases round by other rules (merge-quantized-rounding)
        dtype = str(weight.dtype)
        adapters = list(getattr(layer, "merged_adapters", []) or [])
        (merged if adapters else unmerged).setdefault(dtype, []).append(name)
        if dtype in BITS:
            for adapter in adapters or list(getattr(layer, "scaling", {})):
                counts = _dropped(layer, adapter, weight)
                if counts:
                    dropped = [dropped[0] + counts[0], dropped[1] + counts[1]]
    low_merged = {dtype: names for dtype, names in merged.items() if dtype in BITS}
    low_unmerged = {dtype: names for dtype, names in unmerged.items() if dtype in BITS}
    evidence = [f"merged: {_summary(merged)}; unmerged: {_summary(unmerged)}"]
    if dropped[1]:
        share = 100 * dropped[0] / dropped[1]
        evidence.append(
            f"{dropped[0]} of {dropped[1]} non-zero update elements ({share:.1f}%) are below half a step of their "
            "weight in its dtype: a merge there drops them, and rounds the rest"
        )
    if low_merged:
        dtype, names = max(low_merged.items(), key=lambda item: len(item[1]))
        evidence.append(f"e.g. {names[0]}: merged into {dtype} ({BITS[dtype]} significant bits)")
        return finding(
            ENTRY,
            CONFIRMED,
            f"the adapter is merged into {_summary(low_merged)} base weights: every merged weight was rounded",
            evidence,
            FIX,
        )
    if low_unmerged and ctx.requested:
        return finding(
            ENTRY,
            CONFIRMED,
            f"the adapted base weights are {_summary(low_unmerged)}: merging this adapter rounds them",
            evidence,
            FIX,
            note="not merged yet; the merged model will differ from this one in the last digits",
        )
    if low_unmerged:
        return finding(
            ENTRY,
            NOT_CONFIRMED,
            "no adapter is merged into bf16/fp16 weights",
            evidence,
            FIX,
            note=f"the adapted base weights are {_summary(low_unmerged)}: merging them would round",
        )
    return finding(ENTRY, NOT_CONFIRMED, "the adapted base weights are not bf16/fp16", evidence, FIX)


def _summary(groups: dict[str, list[str]]) -> str:
    """``torch.bfloat16 (4 layers)``, joined; ``none`` for no layers."""
    return ", ".join(f"{dtype} ({len(names)} layers)" for dtype, names in sorted(groups.items())) or "none"


def _dropped(layer: Any, adapter: str, weight: Any) -> tuple[int, int] | None:
    """(update elements below half a step of their weight, non-zero update elements) for one adapter, or None."""
    import torch

    pair = lora_weights(layer, adapter)
    scaling = getattr(layer, "scaling", {}).get(adapter)
    if "A" not in pair or "B" not in pair or pair["A"].dim() != 2 or pair["B"].dim() != 2 or scaling is None:
        return None
    if adapter in getattr(layer, "lora_variant", {}):
        return None  # DoRA and other variants merge by their own rule
    delta = pair["B"].detach().float() @ pair["A"].detach().float() * float(scaling)
    if getattr(layer, "fan_in_fan_out", False) or delta.shape != weight.shape:
        delta = delta.T
    if delta.shape != weight.shape:
        return None
    _, exponent = torch.frexp(weight.detach().float())
    # one step (ulp) at |w| in [2**(e-1), 2**e) is eps * 2**(e-1); half of it rounds away
    half_step = torch.ldexp(torch.full_like(delta, torch.finfo(weight.dtype).eps / 2), exponent - 1)
    nonzero = delta != 0
    return int(((delta.abs() < half_step) & nonzero).sum()), int(nonzero.sum())
