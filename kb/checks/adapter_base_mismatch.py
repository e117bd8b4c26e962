"""adapter-base-mismatch: the saved LoRA tensors do not fit the layers of this base model.

``lora_A`` is ``[r, in_features]`` and ``lora_B`` is ``[out_features, r]`` of the layer it was trained
on, so the saved shapes say which base an adapter belongs to. This check reads them from the file's
header (no data) and compares them with the layers of the model at hand, under the names peft
saves them by (``base_model.model.<module>.lora_A.weight``). A module the base does not have at all
is the same fault by another route (another architecture). Embedding rows (the vocabulary) are left
to extended-vocab-embeddings, empty ``[0]`` tensors to zero3-empty-adapter-save, 3-d ``lora_B``
(peft 0.2's MergedLinear) to legacy-adapter-format, and modules that exist here under one other
prefix (``model.layers.`` saved, ``model.language_model.layers.`` here) with fitting shapes to
adapter-keys-not-in-model: that adapter belongs to this model, its names to an older layout.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    finding,
    lora_misfits,
    model_precondition,
    module_renaming,
    read_adapter_config,
    sample,
    saved_lora,
    unwrap,
)

ENTRY = "adapter-base-mismatch"
FIX = (
    "Load the adapter onto the base model it was trained on (base_model_name_or_path in its "
    "adapter_config.json): PeftModel.from_pretrained(AutoModel...from_pretrained(that_base), adapter_path)."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    # ``_orig_mod.`` (torch.compile) is torch-compile-adapter's fault: names are compared without it.
    found = saved_lora(ctx, ENTRY)
    if isinstance(found, Finding):
        return found
    path, saved, modules, missing = found.path, found.shapes, found.modules, found.missing
    # The same modules under another prefix are a renamed layout (adapter-keys-not-in-model), if they fit.
    renaming = module_renaming(missing, modules) if missing else None
    if renaming is not None:
        saved = found.renamed(renaming)
    misfits, compared = lora_misfits(saved, modules)
    evidence = [f"{path}: {len(saved)} LoRA tensors, {compared} compared with this model's layers"]
    base_name = (read_adapter_config(ctx.adapter_dir or "") or {}).get("base_model_name_or_path")
    if base_name:
        evidence.append(f"adapter_config.json base_model_name_or_path: {base_name}")
    model_name = getattr(getattr(base_model_of(unwrap(ctx.model)), "config", None), "_name_or_path", "")
    if model_name:
        evidence.append(f"this model: {model_name}")
    if renaming is not None and not misfits:
        evidence.append(f"{len(missing)} adapted modules exist here as {renaming[1]}… instead of {renaming[0]}…")
        message = "the adapter fits this model under renamed modules (adapter-keys-not-in-model)"
        return finding(ENTRY, NOT_CONFIRMED, message, evidence)
    if misfits or (missing and renaming is None):
        parts = []
        if misfits:
            parts.append(f"{len(misfits)} saved LoRA tensors do not fit this model's layers")
        if missing and renaming is None:
            parts.append(f"{len(missing)} adapted modules do not exist in it")
        gone = [f"{name}: no such module in this model" for name in missing] if renaming is None else []
        return finding(ENTRY, CONFIRMED, "; ".join(parts), evidence + sample(misfits + gone), FIX)
    if not compared:
        return finding(ENTRY, NOT_APPLICABLE, "no saved LoRA tensor belongs to a layer type this check knows", evidence)
    return finding(ENTRY, NOT_CONFIRMED, "every saved LoRA tensor fits its layer in this model", evidence, FIX)
