"""merge-replicated-layers-wrong-output: a trained LoRA on a layer_replication model, merged and unloaded.

Layers [0, 1] + [1, 2] of the 2-layer Llama give [0, 1, 1]: the two copies of layer 1 share their
weights, so merge_and_unload() writes both copies' q_proj/v_proj deltas into one tensor. The merged
model is checked beside the saved adapter (its config says what was adapted). The clean state is
the fix: the targeted base weights cloned per copy before the same merge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, saved, tiny, trained


def _merged(tmp_path: Path, *, unshare: bool) -> Scenario:
    import torch

    model = trained(lora(tiny(), layer_replication=[[0, 2], [1, 2]]))
    adapter = saved(model, tmp_path / "replicated")
    if unshare:
        for module in model.modules():
            if hasattr(module, "lora_A") and hasattr(module, "get_base_layer"):
                base: Any = module.get_base_layer()
                base.weight = torch.nn.Parameter(base.weight.detach().clone(), requires_grad=False)
    return Scenario(model.merge_and_unload().eval(), "inference", {"adapter_dir": adapter})


def fault(tmp_path: Path) -> Scenario:
    return _merged(tmp_path, unshare=False)


def clean(tmp_path: Path) -> Scenario:
    return _merged(tmp_path, unshare=True)
