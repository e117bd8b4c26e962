"""Save a merged-QKV (enable_lora) LoRA adapter with peft 0.2.0 on a tiny GPT-2 (see README.md)."""

import os
import sys

import peft
import torch
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel

print("peft", peft.__version__)
torch.manual_seed(0)
base = GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=64))
config = LoraConfig(
    r=4,
    lora_alpha=8,
    target_modules=["c_attn"],
    enable_lora=[True, False, True],
    fan_in_fan_out=True,
    lora_dropout=0.05,
    task_type="CAUSAL_LM",
)
model = get_peft_model(base, config)
model.save_pretrained(sys.argv[1])
print(sorted(os.listdir(sys.argv[1])))
for key, value in torch.load(os.path.join(sys.argv[1], "adapter_model.bin")).items():
    print(key, tuple(value.shape))
