"""adapter-keys-not-in-model: the saved adapter names this model's modules by another layout.

transformers' ``load_adapter`` (and peft's loader) find each saved tensor by its module name. An
adapter saved while the model's modules sat under another prefix (Qwen2-VL's decoder before
transformers 4.52 moved it under ``model.language_model``) names modules this model does not have:
its weights are reported UNEXPECTED and never load. This check reads the saved names and shapes
from the file's header (no data) and looks for the one prefix rename that maps every missing name
onto a module here (``module_renaming``) whose shapes fit: then the adapter belongs to this model
and only its names are off. Missing modules with no such rename, or shapes that do not fit, are
another model's adapter (adapter-base-mismatch).
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    lora_misfits,
    model_precondition,
    module_renaming,
    sample,
    saved_lora,
)

ENTRY = "adapter-keys-not-in-model"
FIX = (
    "Rename the saved keys to this model's module names (load_file, replace the old prefix with the new one, "
    "save_file), then load the adapter again: the load report must list no lora_ keys."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    found = saved_lora(ctx, ENTRY)
    if isinstance(found, Finding):
        return found
    saved, modules, missing = found.shapes, found.modules, found.missing
    count = len({name for name, _kind in saved})
    evidence = [f"{found.path}: {count} adapted modules saved, {len(missing)} of them not in this model"]
    if not missing:
        return finding(ENTRY, NOT_CONFIRMED, "every saved module name exists in this model", evidence, FIX)
    renaming = module_renaming(missing, modules)
    if renaming is None:
        evidence += sample(f"{name}: no such module here" for name in missing)
        message = "the missing modules are not this model's under another prefix (another model's adapter?)"
        return finding(ENTRY, NOT_CONFIRMED, message, evidence)
    old, new = renaming
    moved = {key: shape for key, shape in found.renamed(renaming).items() if key not in saved}
    misfits, _compared = lora_misfits(moved, modules)
    evidence.append(f"saved as {old}… ; this model has them as {new}…")
    evidence += sample(f"{name} -> {new + name[len(old) :]}" for name in missing)
    if misfits:
        message = "the renamed modules exist here but the saved shapes do not fit them (adapter-base-mismatch)"
        return finding(ENTRY, NOT_CONFIRMED, message, evidence + sample(misfits))
    message = f"{len(missing)} adapted modules are saved under {old!r} and exist in this model under {new!r}"
    return finding(ENTRY, CONFIRMED, message, evidence, FIX)
