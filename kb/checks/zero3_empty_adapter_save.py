"""zero3-empty-adapter-save: the saved adapter holds empty ``Size([0])`` tensors.

Under DeepSpeed ZeRO-3 each rank holds only a shard; saving without gathering writes placeholders of
shape ``[0]``, and loading fails with ``copying a param with shape torch.Size([0])``.
"""

from __future__ import annotations

import os

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    finding,
    sample,
    tensor_shapes,
)

ENTRY = "zero3-empty-adapter-save"
FIX = (
    "Save with the gathered weights: trainer.save_model() (with stage3_gather_16bit_weights_on_model_save: "
    "true), or model.save_pretrained(path, state_dict=accelerator.get_state_dict(model))."
)


def check(ctx: CheckContext) -> Finding:
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is None:
        return finding(ENTRY, NOT_APPLICABLE, "no saved adapter weights to inspect (this check reads the files)")
    shapes = tensor_shapes(path)
    empty = [name for name, (shape, _) in shapes.items() if 0 in shape]
    size = os.path.getsize(path)
    evidence = [f"{os.path.basename(path)}: {size:,} bytes, {len(shapes)} tensors"]
    if empty:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(empty)} of {len(shapes)} saved tensors are empty (torch.Size([0]))",
            evidence + sample(f"{name}: torch.Size({list(shapes[name][0])})" for name in empty),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "no saved tensor is empty", evidence, FIX)
