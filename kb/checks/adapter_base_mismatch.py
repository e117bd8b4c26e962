"""adapter-base-mismatch: the saved LoRA tensors do not fit the layers of this base model.

``lora_A`` is ``[r, in_features]`` and ``lora_B`` is ``[out_features, r]`` of the layer it was trained
on, so the saved shapes say which base an adapter belongs to. This check reads them from the file's
header (no data) and compares them with the layers of the model at hand, under the names peft
saves them by (``base_model.model.<module>.lora_A.weight``). A module the base does not have at all
is the same fault by another route (another architecture). Embedding rows (the vocabulary) are left
to extended-vocab-embeddings, empty ``[0]`` tensors to zero3-empty-adapter-save and 3-d ``lora_B``
(peft 0.2's MergedLinear) to legacy-adapter-format.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    base_model_of,
    finding,
    model_precondition,
    read_adapter_config,
    sample,
    tensor_shapes,
    unwrap,
)

ENTRY = "adapter-base-mismatch"
FIX = (
    "Load the adapter onto the base model it was trained on (base_model_name_or_path in its "
    "adapter_config.json): PeftModel.from_pretrained(AutoModel...from_pretrained(that_base), adapter_path)."
)
PREFIX = "base_model.model."
LORA_SUFFIXES = (".lora_A.weight", ".lora_B.weight")
COMPILED = "_orig_mod"


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is None:
        return finding(ENTRY, NOT_APPLICABLE, "no saved adapter weights to compare with the model")
    saved = {
        name: shape
        for name, (shape, _) in tensor_shapes(path).items()
        if name.endswith(LORA_SUFFIXES) and 0 not in shape and len(shape) == 2
    }  # 3-d lora_B is peft 0.2's MergedLinear: legacy-adapter-format
    if not saved:
        return finding(ENTRY, NOT_APPLICABLE, "the saved adapter has no (non-empty) LoRA A/B tensors")
    # ``_orig_mod.`` (torch.compile) is torch-compile-adapter's fault: compare the names without it.
    modules = {_uncompiled(name): module for name, module in base_model_of(unwrap(ctx.model)).named_modules()}
    missing: list[str] = []
    misfits: list[str] = []
    compared = 0
    for name, shape in sorted(saved.items()):
        module_name, kind = _split(name)
        layer = modules.get(module_name)
        if layer is None:
            missing.append(module_name)
            continue
        features = _in_out(layer)
        if features is None:
            continue
        compared += 1
        problem = _misfit(kind, shape, features)
        if problem:
            misfits.append(f"{module_name}.{kind}: saved {list(shape)}, {problem}")
    evidence = [f"{path}: {len(saved)} LoRA tensors, {compared} compared with this model's layers"]
    base_name = (read_adapter_config(ctx.adapter_dir or "") or {}).get("base_model_name_or_path")
    if base_name:
        evidence.append(f"adapter_config.json base_model_name_or_path: {base_name}")
    model_name = getattr(getattr(base_model_of(unwrap(ctx.model)), "config", None), "_name_or_path", "")
    if model_name:
        evidence.append(f"this model: {model_name}")
    if misfits or missing:
        parts = []
        if misfits:
            parts.append(f"{len(misfits)} saved LoRA tensors do not fit this model's layers")
        if missing:
            parts.append(f"{len(set(missing))} adapted modules do not exist in it")
        listed = misfits + [f"{name}: no such module in this model" for name in sorted(set(missing))]
        return finding(ENTRY, CONFIRMED, "; ".join(parts), evidence + sample(listed), FIX)
    if not compared:
        return finding(ENTRY, NOT_APPLICABLE, "no saved LoRA tensor belongs to a layer type this check knows", evidence)
    return finding(ENTRY, NOT_CONFIRMED, "every saved LoRA tensor fits its layer in this model", evidence, FIX)


def _split(name: str) -> tuple[str, str]:
    """``base_model.model.x.q_proj.lora_A.weight`` → (``x.q_proj``, ``lora_A``)."""
    stem = name[: -len(".weight")]
    module_name, kind = stem.rsplit(".", 1)
    if module_name.startswith(PREFIX):
        module_name = module_name[len(PREFIX) :]
    return _uncompiled(module_name), kind


def _uncompiled(name: str) -> str:
    """A module name without torch.compile's ``_orig_mod`` parts."""
    return ".".join(part for part in name.split(".") if part != COMPILED)


def _in_out(layer: Any) -> tuple[int, int] | None:
    """(in_features, out_features) of a Linear-like layer (a LoRA wrapper: of its base layer), or None.

    Linear and quantized linears carry ``in_features``/``out_features``; transformers' Conv1D carries
    ``nx``/``nf``. Convolutions and embeddings are skipped: their LoRA shapes differ, and embedding
    rows are extended-vocab-embeddings' business.
    """
    while hasattr(layer, "base_layer"):
        layer = layer.base_layer
    if type(layer).__name__ == "Conv1D" and isinstance(getattr(layer, "nx", None), int):
        return int(layer.nx), int(layer.nf)
    if "Embedding" in type(layer).__name__ or "Conv" in type(layer).__name__:
        return None
    features = getattr(layer, "in_features", None), getattr(layer, "out_features", None)
    if isinstance(features[0], int) and isinstance(features[1], int):
        return features[0], features[1]
    return None


def _misfit(kind: str, shape: tuple[int, ...], features: tuple[int, int]) -> str:
    """What is wrong with a saved ``lora_A`` / ``lora_B`` shape for a layer with these features ("" if fine)."""
    in_features, out_features = features
    if kind == "lora_A" and shape[1] != in_features:
        return f"this layer has in_features={in_features}"
    if kind == "lora_B" and shape[0] != out_features:
        return f"this layer has out_features={out_features}"
    return ""
