"""non-lora-trainables-missing: LLaVA's LoRA loader on a checkpoint folder without non_lora_trainables.bin, on CPU.

LLaVA is not installed: the test replays the lines of ``llava/model/builder.py``
(load_pretrained_model, llava-torch 1.2.2.post1) that look for the file and otherwise treat the
folder as a Hub repo id; the error comes from the installed huggingface_hub.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _load_non_lora_trainables(model_path: str, torch: Any) -> dict[str, Any]:
    """As llava/model/builder.py does before PeftModel.from_pretrained."""
    if os.path.exists(os.path.join(model_path, "non_lora_trainables.bin")):
        return torch.load(os.path.join(model_path, "non_lora_trainables.bin"), map_location="cpu")
    from huggingface_hub import hf_hub_download  # "this is probably from HF Hub"

    cache_file = hf_hub_download(repo_id=model_path, filename="non_lora_trainables.bin", subfolder=None)
    return torch.load(cache_file, map_location="cpu")


def test_checkpoint_without_non_lora_trainables_is_taken_for_a_hub_repo(torch_mod: Any, tmp_path: Path) -> None:
    from huggingface_hub.errors import HFValidationError

    checkpoint = tmp_path / "llava-v1.5-7b-lora" / "checkpoint-1000"  # Trainer's intermediate save
    checkpoint.mkdir(parents=True)
    with pytest.raises(HFValidationError, match="Repo id must be in the form") as caught:
        _load_non_lora_trainables(str(checkpoint), torch_mod)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "non-lora-trainables-missing"

    # the fix: the folder of the final save, where train.py wrote the non-LoRA trainables
    projector = {"base_model.model.model.mm_projector.0.weight": torch_mod.zeros(4, 4)}
    torch_mod.save(projector, checkpoint / "non_lora_trainables.bin")
    assert set(_load_non_lora_trainables(str(checkpoint), torch_mod)) == set(projector)
