"""Scripts and helpers shared by the hook tests: real subprocesses of this interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# An error the KB knows (fp16-unscale-amp), raised two frames deep, after some stdout.
KNOWN = """\
print("training step 1")
def step():
    raise ValueError("Attempting to unscale FP16 gradients.")
step()
"""
UNRELATED = """\
print("training step 1")
{}["missing"]
"""
DIAGNOSIS = "peft-why — this error looks like:"
ENTRY = "fp16-unscale-amp"

# A user KB entry whose symptom is a warning, so the warning tests do not depend on the built-in KB.
WARNING_ENTRY = """\
id: merge-4bit-rounding
title: Merging LoRA into a 4-bit base changes generations
status: stable
since: "0.1.0"
area: quantization
symptoms:
  - scope: warning
    regex: 'Merge lora module to 4-bit linear may get different generations'
root_cause: >-
  Merging dequantizes, adds the delta and quantizes again, so weights are rounded.
fix:
  summary: Keep the adapter unmerged, or merge into a bf16 copy of the base model.
examples:
  match:
    - "UserWarning: Merge lora module to 4-bit linear may get different generations due to rounding errors."
    - "bnb.py:378: UserWarning: Merge lora module to 4-bit linear may get different generations"
    - "WARNING peft: Merge lora module to 4-bit linear may get different generations"
  no_match:
    - "UserWarning: something else"
"""


def run_python(
    code: str,
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    name: str = "script.py",
) -> subprocess.CompletedProcess[str]:
    """Write ``code`` to ``tmp_path/name`` and run it; stdout and stderr apart."""
    script = tmp_path / name
    script.write_text(code)
    return subprocess.run(
        [python, str(script)], capture_output=True, text=True, timeout=120, env=clean_env(env), cwd=tmp_path
    )


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test environment without anything that changes the hook's behaviour, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEFT_WHY") and k not in _DISTRIBUTED}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    env.update(extra or {})
    return env


_DISTRIBUTED = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID")


def with_install(code: str, args: str = "") -> str:
    """``code`` preceded by ``peft_why.install(args)``."""
    return f"import peft_why\npeft_why.install({args})\n" + code


# LoRA names copied from another architecture, on tiny models built from configs (no downloads).
GPT2_WRONG_TARGETS = """\
from transformers import GPT2Config, GPT2LMHeadModel
from peft import LoraConfig, get_peft_model
model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=128, n_positions=64))
model = get_peft_model(model, LoraConfig(target_modules=["q_proj", "v_proj"]))
"""
LLAMA_WRONG_TARGETS = """\
from transformers import LlamaConfig, LlamaForCausalLM
from peft import LoraConfig, get_peft_model
config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                     num_key_value_heads=2, vocab_size=128, max_position_embeddings=64)
lora = LoraConfig(r=4, target_modules=["query_key_value"])
def build():
    return get_peft_model(LlamaForCausalLM(config), lora)
build()
"""
