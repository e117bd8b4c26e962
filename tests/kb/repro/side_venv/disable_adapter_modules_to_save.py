"""disable_adapter() on a SEQ_CLS LoRA model whose head is in modules_to_save, with peft 0.4.0 (see README.md)."""

import copy

import peft
import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForSequenceClassification

print("peft", peft.__version__)
config = LlamaConfig(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=128,
    max_position_embeddings=64,
    num_labels=3,
    pad_token_id=0,
)
torch.manual_seed(0)
base = LlamaForSequenceClassification(config).eval()
ids = torch.tensor([[1, 5, 9, 17, 33, 2]])
with torch.no_grad():
    reference = base(ids).logits
lora = LoraConfig(task_type="SEQ_CLS", r=4, target_modules=["q_proj", "v_proj"], lora_dropout=0.0)
model = get_peft_model(copy.deepcopy(base), lora)
with torch.no_grad():
    model.base_model.model.score.modules_to_save["default"].weight.add_(1.0)  # the trained head copy
    with model.disable_adapter():
        disabled = model(ids).logits
print(f"logits with disable_adapter() vs the base model: max|diff| = {(disabled - reference).abs().max().item():.4f}")
