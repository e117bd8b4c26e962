"""fp16-unscale-amp: fp16 trainable LoRA weights under AMP; clean once they are cast to fp32."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny().half(), autocast_adapter_dtype=False)).train(), "training")


def clean(tmp_path: Path) -> Scenario:
    import torch
    from peft import cast_mixed_precision_params

    model = trained(lora(tiny().half(), autocast_adapter_dtype=False)).train()
    cast_mixed_precision_params(model, dtype=torch.float16)
    return Scenario(model, "training")
