"""legacy-adapter-format: a peft 0.2.0 adapter (enable_lora on GPT-2 c_attn) loaded by the installed peft.

The adapter files in ``data/legacy_adapter_peft020`` were saved by peft 0.2.0
(``side_venv/legacy_adapter_format.py``); this test loads them with the installed peft.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

LEGACY = Path(__file__).parent / "data" / "legacy_adapter_peft020"


def _tiny_gpt2() -> Any:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=64, bos_token_id=0, eos_token_id=0)
    return GPT2LMHeadModel(config)


def _convert(config: dict[str, Any], state: dict[str, Any], out: Path) -> None:
    """MergedLinear (enable_lora=[True, False, True], r=4) → plain LoRA of rank 8 with the same alpha / r."""
    import torch
    from safetensors.torch import save_file

    config, state = dict(config), dict(state)
    enabled = [slot for slot, on in enumerate(config["enable_lora"]) if on]
    r, groups = config["r"], len(enabled)
    for key in [k for k in state if k.endswith("lora_B.weight")]:
        b = state[key].squeeze(-1)
        part = b.shape[0] // groups
        new_b = torch.zeros(part * len(config["enable_lora"]), r * groups)
        for group, slot in enumerate(enabled):
            new_b[slot * part : (slot + 1) * part, group * r : (group + 1) * r] = b[group * part : (group + 1) * part]
        state[key] = new_b
    for stale in ("enable_lora", "merge_weights"):
        config.pop(stale)
    config.update(r=r * groups, lora_alpha=config["lora_alpha"] * groups)
    out.mkdir()
    (out / "adapter_config.json").write_text(json.dumps(config))
    save_file({k: v.contiguous() for k, v in state.items()}, out / "adapter_model.safetensors")


def test_peft020_merged_qkv_adapter_fails_and_converted_one_loads(torch_mod: Any, tmp_path: Path) -> None:
    from peft import PeftModel

    with (
        pytest.warns(UserWarning, match="enable_lora"),
        pytest.raises(RuntimeError, match=r"\[64, 4, 1\]") as caught,
    ):
        PeftModel.from_pretrained(_tiny_gpt2(), LEGACY)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "legacy-adapter-format"

    # the fix: convert. The saved lora_B is still zero (never trained), so give it values to compare.
    config = json.loads((LEGACY / "adapter_config.json").read_text())
    state = torch_mod.load(LEGACY / "adapter_model.bin", weights_only=True)
    prefix = "base_model.model.transformer.h.0.attn.c_attn."
    state[prefix + "lora_B.weight"] = torch_mod.randn(64, 4, 1)
    _convert(config, state, tmp_path / "converted")
    model = PeftModel.from_pretrained(_tiny_gpt2(), tmp_path / "converted")
    layer = model.base_model.model.transformer.h[0].attn.c_attn
    delta = layer.lora_B["default"].weight @ layer.lora_A["default"].weight
    old_a, old_b = state[prefix + "lora_A.weight"], state[prefix + "lora_B.weight"].squeeze(-1)
    # peft 0.2.0's grouped Conv1d: q rows from group 0, v rows from group 1, no update for k
    assert torch_mod.allclose(delta[:32], old_b[:32] @ old_a[:4])
    assert not delta[32:64].any()
    assert torch_mod.allclose(delta[64:], old_b[32:] @ old_a[4:])
    assert layer.scaling["default"] == 2.0  # lora_alpha / r unchanged (8 / 4 before, 16 / 8 now)
