"""legacy-adapter-format: a peft 0.2.0 MergedLinear adapter (enable_lora, grouped 3-d lora_B) on q_proj.

Built by rewriting a current save the way peft 0.2.0 laid it out: enable_lora=[True, True] gives
lora_A [r * 2, in] and lora_B [out / 2 * 2, r, 1].
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import Scenario, clean_inference, clean_model, saved


def fault(tmp_path: Path) -> Scenario:
    import torch
    from safetensors.torch import load_file, save_file

    model = clean_model()
    adapter = saved(model, tmp_path / "legacy")
    path = os.path.join(adapter, "adapter_model.safetensors")
    tensors = load_file(path)
    for name in list(tensors):
        if "q_proj.lora_A" in name:
            tensors[name] = torch.cat([tensors[name], tensors[name]])
        elif "q_proj.lora_B" in name:
            tensors[name] = tensors[name].unsqueeze(-1).contiguous()
    save_file(tensors, path)
    config_path = os.path.join(adapter, "adapter_config.json")
    with open(config_path) as handle:
        config = json.load(handle)
    config.update(enable_lora=[True, True], merge_weights=False)
    config.pop("peft_version", None)  # peft 0.2.0 did not write it
    with open(config_path, "w") as handle:
        json.dump(config, handle)
    return Scenario(model, "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
