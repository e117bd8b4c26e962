"""disk-offload-needs-safetensors: PeftModel.from_pretrained(..., use_safetensors=False) on a disk-offloaded model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "disk-offload-needs-safetensors"
# layer 1 of the tiny Llama offloaded to disk, the rest on the CPU (a GPU would hold them in real use)
DISK_MAP = {
    "model.embed_tokens": "cpu",
    "model.layers.0": "cpu",
    "model.layers.1": "disk",
    "model.norm": "cpu",
    "model.rotary_emb": "cpu",
    "lm_head": "cpu",
}


def test_disk_offloaded_base_refuses_use_safetensors_false(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    tiny_llama().save_pretrained(tmp_path / "base")
    get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).save_pretrained(
        tmp_path / "adapter"
    )

    def offloaded(device_map: dict[str, str]) -> Any:
        return AutoModelForCausalLM.from_pretrained(
            tmp_path / "base", device_map=device_map, offload_folder=str(tmp_path / "offload")
        )

    model = offloaded(DISK_MAP)
    assert "disk" in model.hf_device_map.values()
    with pytest.raises(ValueError, match=r"^Disk offloading currently only supported for safetensors$") as caught:
        PeftModel.from_pretrained(model, tmp_path / "adapter", use_safetensors=False)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix that works with these releases: offload to CPU RAM instead of disk (use_safetensors may stay False)
    model = offloaded({name: "cpu" for name in DISK_MAP})
    peft_model = PeftModel.from_pretrained(model, tmp_path / "adapter", use_safetensors=False)
    assert peft_model(input_ids).logits.shape == (1, input_ids.shape[1], 128)
