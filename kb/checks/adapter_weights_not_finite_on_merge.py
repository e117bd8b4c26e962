"""adapter-weights-not-finite-on-merge: LoRA weights that hold NaN or inf, or a sum that overflows float16.

``merge(safe_merge=True)`` adds ``get_delta_weight`` to a copy of the base weight in the weight's dtype
and raises "NaNs detected in the merged weights" when ``torch.isfinite`` fails anywhere; without
``safe_merge`` the same values are written into the base. So the adapter's own tensors are read here
(every parameter under a ``lora_*`` dict, by adapter name): live on the model, or from the saved
adapter file when the model carries no LoRA layers (a merged model, or the base beside ``adapter_dir``).
With finite adapter weights the rarer route is tried too: on a float16 base, W + B @ A * scaling
computed in float32 beyond float16's largest value becomes inf when written back.
"""

from __future__ import annotations

import os
from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    base_weight,
    finding,
    lora_layers,
    lora_weights,
    model_precondition,
    read_tensors,
    sample,
    tensor_shapes,
    unwrap,
)

ENTRY = "adapter-weights-not-finite-on-merge"
FIX = (
    "The adapter is broken (training diverged): load the last checkpoint whose LoRA weights are finite, or retrain "
    "with bf16, a lower learning rate and max_grad_norm; merge with merge_and_unload(safe_merge=True)."
)
OVERFLOW_FIX = "Merge in float32 (load the base with dtype=torch.float32), or in bfloat16, whose range is float32's."
NOT_LORA = ("lora_dropout",)  # a ModuleDict of dropouts: no weights


def check(ctx: CheckContext) -> Finding:
    if ctx.model is not None or not ctx.adapter_dir:
        skip = model_precondition(ctx, ENTRY)
        if skip:
            return skip
    model = unwrap(ctx.model) if ctx.model is not None else None
    layers = dict(lora_layers(model)) if model is not None else {}
    if layers:
        return _live(model, layers)
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is None:
        return finding(ENTRY, NOT_APPLICABLE, "no LoRA layers on the model and no saved adapter weights to read")
    return _saved(path)


def _live(model: Any, layers: dict[str, Any]) -> Finding:
    import torch

    bad: dict[str, list[str]] = {}
    checked = 0
    for name, param in model.named_parameters():
        adapter = _adapter_of(name)
        if adapter is None or param.device.type == "meta":
            continue
        checked += 1
        data = param.detach()
        if not bool(torch.isfinite(data).all()):
            bad.setdefault(adapter, []).append(_count(name, data))
    evidence = [f"{len(layers)} LoRA layers, {checked} adapter tensors read on the model"]
    if bad:
        return _non_finite(bad, evidence)
    overflows = _float16_overflows(layers)
    if overflows:
        adapters = sorted({line.split("]", 1)[0].lstrip("[") for line in overflows})
        return finding(
            ENTRY,
            CONFIRMED,
            f"merging adapter `{'`, `'.join(adapters)}` overflows float16 in {_layers(len(overflows))} (inf)",
            evidence + sample(overflows),
            OVERFLOW_FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "every LoRA weight is finite and merging stays in range", evidence, FIX)


def _saved(path: str) -> Finding:
    import torch

    names = [name for name, (shape, _) in tensor_shapes(path).items() if ".lora_" in name and 0 not in shape]
    if not names:
        return finding(ENTRY, NOT_APPLICABLE, f"{path} holds no LoRA tensors")
    bad: dict[str, list[str]] = {}
    for name, tensor in read_tensors(path, names).items():
        if not bool(torch.isfinite(tensor).all()):
            bad.setdefault(os.path.basename(os.path.dirname(path)) or path, []).append(_count(name, tensor))
    evidence = [f"no LoRA layers on the model; {len(names)} LoRA tensors read from {path}"]
    if bad:
        return _non_finite(bad, evidence)
    return finding(ENTRY, NOT_CONFIRMED, "every saved LoRA tensor is finite", evidence, FIX)


def _non_finite(bad: dict[str, list[str]], evidence: list[str]) -> Finding:
    lines = [line for adapter in sorted(bad) for line in bad[adapter]]
    modules = {line.split(".lora_", 1)[0] for line in lines}
    return finding(
        ENTRY,
        CONFIRMED,
        f"adapter `{'`, `'.join(sorted(bad))}` holds non-finite weights in {_layers(len(modules))}",
        evidence + sample(lines),
        FIX,
    )


def _layers(count: int) -> str:
    return f"{count} layer" if count == 1 else f"{count} layers"


def _adapter_of(name: str) -> str | None:
    """The adapter a LoRA parameter belongs to (``...q_proj.lora_A.default.weight`` → ``default``), else None."""
    parts = name.split(".")
    for index, part in enumerate(parts[:-1]):
        if part.startswith("lora_") and part not in NOT_LORA:
            return parts[index + 1]
    return None


def _count(name: str, tensor: Any) -> str:
    import torch

    nans, infs = int(torch.isnan(tensor).sum()), int(torch.isinf(tensor).sum())
    return f"{name}: {nans} nan, {infs} inf of {tensor.numel()} values ({tensor.dtype})"


def _float16_overflows(layers: dict[str, Any]) -> list[str]:
    """``[adapter] layer: ...`` for each float16 layer whose merged weight would leave float16's range."""
    import torch

    limit = torch.finfo(torch.float16).max
    found = []
    for name, layer in layers.items():
        weight = base_weight(layer)
        if weight is None or weight.dtype != torch.float16 or weight.device.type == "meta":
            continue
        for adapter in getattr(layer, "scaling", {}):
            if adapter in getattr(layer, "lora_variant", {}):
                continue  # DoRA and other variants merge by their own rule
            pair = lora_weights(layer, adapter)
            if "A" not in pair or "B" not in pair or pair["A"].dim() != 2 or pair["B"].dim() != 2:
                continue
            delta = pair["B"].detach().float() @ pair["A"].detach().float() * float(layer.scaling[adapter])
            if getattr(layer, "fan_in_fan_out", False) or delta.shape != weight.shape:
                delta = delta.T
            if delta.shape != weight.shape:
                continue
            peak = float((weight.detach().float() + delta).abs().max())
            if peak > limit:
                found.append(f"[{adapter}] {name}: |W + delta| reaches {peak:.4g} > {limit:.0f} (float16 max)")
    return found
