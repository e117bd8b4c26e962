"""merged-model-leftover-adapter: a merged (full) model folder still holds adapter files.

``merge_and_unload()`` saved into the adapter's own output folder leaves ``adapter_config.json``
beside the merged ``config.json`` and weights. transformers' ``from_pretrained`` looks for an adapter
config first (``maybe_load_adapters``): from 4.33 to 5.3 it then loads ``base_model_name_or_path``
instead of the merged weights, from 5.4 (a ``config.json`` is there) it attaches the adapter on top,
so the update is applied twice. Either way it shows in the folder, which is what this check reads.
"""

from __future__ import annotations

import os
from typing import Any

from .api import (
    ADAPTER_WEIGHTS,
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    finding,
    is_peft_model,
    read_adapter_config,
    unwrap,
)

ENTRY = "merged-model-leftover-adapter"
FIX = (
    "Save the merged model into a new, empty folder (merged.save_pretrained('./merged-model')), "
    "or delete adapter_config.json and adapter_model.* from the merged folder."
)
MODEL_WEIGHTS = (
    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
)  # fmt: skip


def check(ctx: CheckContext) -> Finding:
    folder = _model_folder(ctx)
    if folder is None:
        return finding(ENTRY, NOT_APPLICABLE, "no local model folder to inspect (pass the merged model's folder)")
    if not os.path.isfile(os.path.join(folder, "config.json")):
        return finding(ENTRY, NOT_APPLICABLE, f"{folder} has no config.json: not a full model folder")
    weights = [name for name in MODEL_WEIGHTS if os.path.isfile(os.path.join(folder, name))]
    weights += sorted(
        name for name in os.listdir(folder) if name.startswith("model-") and name.endswith(".safetensors")
    )
    evidence = [f"{folder}: config.json, {', '.join(weights[:3]) or 'no full-model weights'}"]
    adapter = read_adapter_config(folder)
    if adapter is None:
        return finding(ENTRY, NOT_CONFIRMED, "no adapter_config.json beside the model's own files", evidence, FIX)
    adapter_files = ["adapter_config.json"] + [
        name for name in ADAPTER_WEIGHTS if os.path.isfile(os.path.join(folder, name))
    ]
    evidence.append(f"also there: {', '.join(adapter_files)}")
    evidence.append(f"adapter_config.json base_model_name_or_path: {adapter.get('base_model_name_or_path')}")
    attached = _attached_adapters(ctx.model)
    if attached:
        evidence.append(f"the loaded model has an adapter attached again: {', '.join(attached)}")
    return finding(
        ENTRY,
        CONFIRMED,
        "the model folder holds adapter files beside the merged weights: from_pretrained attaches the adapter again",
        evidence,
        FIX,
    )


def _model_folder(ctx: CheckContext) -> str | None:
    """The folder the model was loaded from: ``base_dir``, else the live model's local ``_name_or_path``."""
    if ctx.base_dir and os.path.isdir(ctx.base_dir):
        return ctx.base_dir
    if ctx.model is None:
        return None
    name = getattr(getattr(base_model_of(unwrap(ctx.model)), "config", None), "_name_or_path", None)
    return name if isinstance(name, str) and name and os.path.isdir(name) else None


def _attached_adapters(model: Any) -> list[str]:
    """Adapters transformers' integration attached to a plain model (its ``peft_config`` dict)."""
    if model is None:
        return []
    model = unwrap(model)
    if is_peft_model(model):
        return []
    configs = getattr(model, "peft_config", None)
    return sorted(configs) if isinstance(configs, dict) else []
