"""merge_and_unload on a GPT-2 LoRA model with peft 0.3.0 (see README.md)."""

import peft
import torch
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel

print("peft", peft.__version__)
torch.manual_seed(0)
config = GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=128, n_positions=64, bos_token_id=0, eos_token_id=0)
lora = LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], fan_in_fan_out=True, lora_dropout=0.0)
model = get_peft_model(GPT2LMHeadModel(config), lora)
merged = model.merge_and_unload()
print(type(merged).__name__)
