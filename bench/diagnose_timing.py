"""How long ``diagnose()`` takes on CPU: the tiny test model and a ~100M-parameter Llama built from a config.

    python bench/diagnose_timing.py [--repeat 5]

Prints the median wall time of ``diagnose(model)`` in both phases, with and without a saved adapter folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def timed(call: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model

    from peft_why.kb.checks._runner import diagnose

    LlamaConfig: Any = transformers.LlamaConfig
    LlamaForCausalLM: Any = transformers.LlamaForCausalLM

    torch.manual_seed(0)
    tiny = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
    large = dict(hidden_size=768, intermediate_size=2048, num_hidden_layers=8, num_attention_heads=12)
    sizes = {
        "tiny (2 layers, hidden 32)": dict(tiny, num_key_value_heads=2, vocab_size=128),
        "~100M (8 layers, hidden 768)": dict(large, num_key_value_heads=12, vocab_size=32000),
    }
    for label, settings in sizes.items():
        base = LlamaForCausalLM(LlamaConfig(max_position_embeddings=128, **settings))
        model = get_peft_model(base, LoraConfig(r=8, target_modules=["q_proj", "v_proj"]))
        params = sum(p.numel() for p in model.parameters())
        with tempfile.TemporaryDirectory() as folder:
            model.save_pretrained(folder)
            diagnose(model.eval())  # warm: imports of the check modules
            rows = {
                "inference": timed(lambda m=model: diagnose(m.eval()), args.repeat),
                "training": timed(lambda m=model: diagnose(m.train()), args.repeat),
                "inference + adapter_dir": timed(
                    lambda m=model, f=folder: diagnose(m.eval(), adapter_dir=f), args.repeat
                ),
            }
        print(f"{label}: {params:,} parameters")
        for phase, seconds in rows.items():
            print(f"  diagnose() {phase:<24} median {seconds * 1000:8.1f} ms over {args.repeat} runs")


if __name__ == "__main__":
    main()
