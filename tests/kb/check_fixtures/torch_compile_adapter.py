"""torch-compile-adapter: get_peft_model on a torch.compile'd base, saved from there (keys carry _orig_mod).

Compiling is lazy, so nothing is compiled here: the wrapper alone renames the modules.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, lora, saved, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    import torch

    model = trained(lora(torch.compile(tiny())))
    return Scenario(model, "inference", {"adapter_dir": saved(model, tmp_path / "compiled")})


def clean(tmp_path: Path) -> Scenario:
    import torch

    model = trained(lora(tiny()))
    adapter = saved(model, tmp_path / "clean")
    return Scenario(torch.compile(model), "inference", {"adapter_dir": adapter})
