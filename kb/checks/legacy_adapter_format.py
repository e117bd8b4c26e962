"""legacy-adapter-format: the adapter was saved by peft 0.2.0's MergedLinear (``enable_lora``).

peft 0.2.0 saved LoRA on fused QKV layers with ``enable_lora``/``merge_weights`` in the config and a
grouped Conv1d ``lora_B`` of shape ``[out_part * groups, r, 1]``; peft 0.3.0 removed all three, so
current peft drops the keys and builds plain LoRA layers the saved tensors do not fit. Both marks
are in the files: the config keys and the 3-d ``lora_B`` tensors (read from the header only).
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    finding,
    read_adapter_config,
    sample,
    tensor_shapes,
)

ENTRY = "legacy-adapter-format"
FIX = (
    "Retrain the adapter with current peft, or convert each MergedLinear lora_B [out_part * groups, r, 1] "
    "into a plain LoRA of rank r * groups (block-diagonal B, lora_alpha scaled alike) and drop enable_lora."
)
LEGACY_KEYS = ("enable_lora", "merge_weights")  # removed in peft 0.3.0


def check(ctx: CheckContext) -> Finding:
    if not ctx.adapter_dir:
        return finding(ENTRY, NOT_APPLICABLE, "no saved adapter to inspect (this check reads the files)")
    config = read_adapter_config(ctx.adapter_dir)
    path = adapter_weights_path(ctx.adapter_dir)
    if config is None and path is None:
        return finding(ENTRY, NOT_APPLICABLE, f"{ctx.adapter_dir} holds no adapter files")
    evidence: list[str] = []
    keys = [key for key in LEGACY_KEYS if config is not None and key in config]
    evidence += [f"adapter_config.json {key}: {config[key]!r}" for key in keys if config is not None]
    grouped: list[str] = []
    if path is not None:
        shapes = tensor_shapes(path)
        grouped = [
            f"{name}: {list(shape)}" for name, (shape, _) in shapes.items() if "lora_B" in name and len(shape) == 3
        ]
        evidence.append(f"{path}: {len(shapes)} tensors, {len(grouped)} 3-d (grouped Conv1d) lora_B")
        evidence += sample(grouped, 3)
    if config is not None and config.get("peft_version"):
        evidence.append(f"saved by peft {config['peft_version']}")
    if keys or grouped:
        marks = ([f"config keys {', '.join(keys)}"] if keys else []) + (
            [f"{len(grouped)} grouped lora_B tensors"] if grouped else []
        )
        return finding(
            ENTRY,
            CONFIRMED,
            f"saved in peft 0.2.0's MergedLinear format ({'; '.join(marks)}), which peft >= 0.3.0 cannot load",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "no mark of peft 0.2.0's MergedLinear format", evidence, FIX)
