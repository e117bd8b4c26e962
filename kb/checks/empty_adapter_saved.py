"""empty-adapter-saved: the adapter weights file is empty, cut short, or a valid file of no tensors.

A save killed half-way (or a copy or upload stopped early) leaves a file whose safetensors header
promises more bytes than there are, or a ``.bin`` zip without its central directory; the old
``model.state_dict = ...`` override recipe writes a valid file of an empty state dict, which loads
without error and leaves the fresh, no-op adapter in place. All of it shows in the file alone,
read here without loading the tensor data. Tensors of shape ``[0]`` (a ZeRO-3 save) are
zero3-empty-adapter-save's fault, not this one.
"""

from __future__ import annotations

import json
import os

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    finding,
)

ENTRY = "empty-adapter-saved"
FIX = (
    "Save the adapter again from the trained model with a plain model.save_pretrained(output_dir) (no "
    "state_dict override, on the main process only), then check that its tensors load and are non-empty."
)
HEADER_LIMIT = 100_000_000  # safetensors refuses larger headers too


def check(ctx: CheckContext) -> Finding:
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is None:
        return finding(ENTRY, NOT_APPLICABLE, "no saved adapter weights to inspect (this check reads the files)")
    size = os.path.getsize(path)
    evidence = [f"{path}: {size:,} bytes"]
    if size == 0:
        return finding(ENTRY, CONFIRMED, "the adapter weights file is empty (0 bytes)", evidence, FIX)
    problem, count = _safetensors(path, size) if path.endswith(".safetensors") else _bin(path)
    if problem:
        return finding(ENTRY, CONFIRMED, f"the adapter weights file cannot be read: {problem}", evidence, FIX)
    evidence.append(f"{count} tensors")
    if count == 0:
        return finding(
            ENTRY, CONFIRMED, "the adapter weights file holds no tensors (an empty state dict)", evidence, FIX
        )
    return finding(
        ENTRY, NOT_CONFIRMED, f"the adapter weights file is complete and holds {count} tensors", evidence, FIX
    )


def _safetensors(path: str, size: int) -> tuple[str, int]:
    """(what is wrong, tensor count) from the header: 8 bytes of length, JSON, then the data it maps."""
    if size < 8:
        return f"{size} bytes, shorter than the 8-byte header length", 0
    with open(path, "rb") as handle:
        length = int.from_bytes(handle.read(8), "little")
        if length > HEADER_LIMIT or 8 + length > size:
            return f"the header claims {length:,} bytes but the file has {size - 8:,} after its length", 0
        try:
            header = json.loads(handle.read(length))
        except ValueError as exc:
            return f"the header is not valid JSON ({exc})", 0
    if not isinstance(header, dict):
        return "the header is not a JSON object", 0
    tensors = {name: info for name, info in header.items() if name != "__metadata__"}
    ends = [info.get("data_offsets", [0, 0])[1] for info in tensors.values() if isinstance(info, dict)]
    needed = 8 + length + max(ends, default=0)
    if needed > size:
        return f"truncated: the header maps {needed:,} bytes, the file has {size:,}", len(tensors)
    return "", len(tensors)


def _bin(path: str) -> tuple[str, int]:
    """(what is wrong, tensor count) of a ``.bin`` read on the meta device (weights_only: no code runs)."""
    import torch

    try:
        state = torch.load(path, map_location="meta", weights_only=True, mmap=True)
    except Exception as exc:
        return f"torch.load fails: {type(exc).__name__}: {' '.join(str(exc).split())[:160]}", 0
    if not isinstance(state, dict):
        return f"it holds a {type(state).__name__}, not a state dict", 0
    return "", len(state)
