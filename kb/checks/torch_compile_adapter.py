"""torch-compile-adapter: the adapter was added to (or saved from) a torch.compile'd model.

``torch.compile`` wraps the model in an ``OptimizedModule`` that holds it as ``_orig_mod``. Compiling
last (``torch.compile(peft_model)``) is fine; ``get_peft_model(torch.compile(base))`` puts the
compiled wrapper inside the PeftModel, so every module name and saved key gains ``_orig_mod.``,
and an adapter saved that way loads into no uncompiled model. Both show: in the live PeftModel's
module names and in the saved adapter's keys (read from the header only).
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
    finding,
    is_peft_model,
    model_precondition,
    sample,
    tensor_shapes,
    unwrap,
)

ENTRY = "torch-compile-adapter"
FIX = (
    "Add the adapter first and compile last: model = get_peft_model(base, config); compiled = torch.compile(model); "
    "save from the uncompiled model (model.save_pretrained, or compiled._orig_mod.save_pretrained)."
)
COMPILED = "_orig_mod"


def check(ctx: CheckContext) -> Finding:
    evidence: list[str] = []
    inspected = False
    live: list[str] = []
    skip = model_precondition(ctx, ENTRY) if ctx.model is not None else None
    if skip:
        return skip
    if ctx.model is not None:
        model = unwrap(ctx.model)
        if is_peft_model(model):
            inspected = True
            live = [name for name, _ in model.named_modules() if name.endswith("." + COMPILED)]
            outer = type(ctx.model).__name__ == "OptimizedModule"
            evidence.append(f"live model: {type(model).__name__}{' (compiled outside: fine)' if outer else ''}")
            evidence += sample(
                f"inside the PeftModel, a torch.compile wrapper holds {_kind(model, name)} at {name}" for name in live
            )
    saved: list[str] = []
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is not None:
        inspected = True
        keys = list(tensor_shapes(path))
        saved = [key for key in keys if f".{COMPILED}." in f".{key}"]
        evidence.append(f"{path}: {len(saved)} of {len(keys)} saved keys carry {COMPILED}.")
        evidence += sample(saved, 2)
    if not inspected:
        return finding(ENTRY, NOT_APPLICABLE, "no PeftModel and no saved adapter to inspect")
    if live or saved:
        where = (["the PeftModel wraps a torch.compile'd model"] if live else []) + (
            [f"the saved adapter keys carry {COMPILED}."] if saved else []
        )
        return finding(ENTRY, CONFIRMED, "; ".join(where) + ": the adapter was added after compiling", evidence, FIX)
    return finding(ENTRY, NOT_CONFIRMED, f"no {COMPILED} inside the adapter's model or its saved keys", evidence, FIX)


def _kind(model: Any, name: str) -> str:
    module = dict(model.named_modules()).get(name)
    return type(module).__name__
