"""The failure every format sample renders: LoRA target_modules that a tiny Llama model lacks.

Builds a 2-layer LlamaConfig model from a config (no download) and asks PEFT for
``c_attn`` (a GPT-2 layer name), which raises ``ValueError: Target modules ... not found``.
"""

from __future__ import annotations

import sys
import warnings


def tiny_model():  # type: ignore[no-untyped-def]
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
    )
    return LlamaForCausalLM(config)


def fail(model=None):  # type: ignore[no-untyped-def]
    from peft import LoraConfig, get_peft_model

    model = model if model is not None else tiny_model()
    config = LoraConfig(r=4, target_modules=["c_attn"])
    return get_peft_model(model, config)


def main() -> None:
    model = tiny_model()
    if "--warn" in sys.argv:
        warnings.simplefilter("always")
        model.gradient_checkpointing_enable()
    if "--dist" in sys.argv:
        import torch.distributed as dist

        dist.init_process_group("gloo")
    fail(model)


if __name__ == "__main__":
    main()
