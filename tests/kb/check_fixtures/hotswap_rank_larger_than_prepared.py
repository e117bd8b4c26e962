"""hotswap-rank-larger-than-prepared: a compiled PeftModel with a rank-4 LoRA and a saved rank-8 LoRA to swap in;
clean: the same after prepare_model_for_compiled_hotswap(target_rank=8) before compiling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, tiny


def _saved(folder: Path, rank: int) -> str:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(tiny(), config).save_pretrained(str(folder))
    return str(folder)


def _compiled(tmp_path: Path, prepare: bool) -> Scenario:
    import torch
    from peft import PeftModel
    from peft.utils.hotswap import prepare_model_for_compiled_hotswap

    model: Any = PeftModel.from_pretrained(tiny(), _saved(tmp_path / "rank4", 4)).eval()
    if prepare:
        prepare_model_for_compiled_hotswap(model, target_rank=8, config=model.peft_config)
    compiled = torch.compile(model, backend="eager")
    return Scenario(compiled, "inference", {"adapter_dir": _saved(tmp_path / "rank8", 8)})


def fault(tmp_path: Path) -> Scenario:
    return _compiled(tmp_path, prepare=False)


def clean(tmp_path: Path) -> Scenario:
    return _compiled(tmp_path, prepare=True)
