"""non-lora-trainables-missing: a folder LLaVA loads as a LoRA model holds no non_lora_trainables.bin.

LLaVA's ``load_pretrained_model`` (llava/model/builder.py, llava-torch 1.2.2.post1) takes its LoRA path
when the model name, which ``get_model_name_from_path`` derives from the folder (``<parent>_checkpoint-N``
for a checkpoint), contains ``llava`` and ``lora``; it then reads ``non_lora_trainables.bin`` from the
folder and, without it, asks the Hub for the path as a repo id. train.py writes that file only into the
final output folder, so the check reads the folder: adapter_config.json there, the name rule met, the file
absent. Whether ``model_base`` is passed is not visible; the LoRA path is assumed (the entry's case).
"""

from __future__ import annotations

import os

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    sample,
    tensor_shapes,
)

ENTRY = "non-lora-trainables-missing"
FILE = "non_lora_trainables.bin"
FIX = (
    "Load the final output folder (train.py writes non_lora_trainables.bin there), or write the file for this "
    "checkpoint as train.py does: torch.save(get_peft_state_non_lora_maybe_zero_3(model.named_parameters()), "
    "os.path.join(checkpoint_dir, 'non_lora_trainables.bin'))."
)


def check(ctx: CheckContext) -> Finding:
    folder = ctx.adapter_dir
    if not folder or not os.path.isfile(os.path.join(folder, "adapter_config.json")):
        return finding(ENTRY, NOT_APPLICABLE, "no local adapter folder with adapter_config.json given")
    name = model_name_from_path(folder)
    evidence = [f"model name LLaVA derives from the path: {name!r}"]
    if "llava" not in name.lower() or "lora" not in name.lower():
        return finding(
            ENTRY,
            NOT_APPLICABLE,
            "LLaVA's load_pretrained_model takes its LoRA path only for a model name containing 'llava' and 'lora'",
            evidence,
        )
    path = os.path.join(folder, FILE)
    if os.path.isfile(path):
        try:
            tensors = tensor_shapes(path)
        except Exception as exc:  # present but not a plain tensor dict: LLaVA's torch.load still finds it
            evidence.append(f"{FILE}: present, not read here ({type(exc).__name__})")
        else:
            evidence.append(f"{FILE}: {len(tensors)} tensors")
            evidence += sample(sorted(tensors), 3)
        return finding(ENTRY, NOT_CONFIRMED, f"{FILE} is in {folder}", evidence, FIX)
    evidence.append(f"{folder} holds: {', '.join(sample(sorted(os.listdir(folder)), 8))}")
    if not os.path.isfile(os.path.join(folder, "config.json")):
        evidence.append("no config.json either: LLaVA's AutoConfig.from_pretrained(model_path) reads it first")
    final = os.path.join(os.path.dirname(os.path.abspath(folder)), FILE)
    if os.path.basename(os.path.normpath(folder)).startswith("checkpoint-") and os.path.isfile(final):
        evidence.append(f"the final save has one: {final}")
    return finding(
        ENTRY,
        CONFIRMED,
        f"{FILE} is missing from {folder}, so LLaVA takes the path for a Hub repo id",
        evidence,
        FIX,
    )


def model_name_from_path(model_path: str) -> str:
    """llava/mm_utils.py ``get_model_name_from_path``: the last folder, or ``<parent>_checkpoint-N``."""
    parts = model_path.strip("/").split("/")
    if parts[-1].startswith("checkpoint-") and len(parts) > 1:
        return parts[-2] + "_" + parts[-1]
    return parts[-1]
