"""Read attributes of a modules_to_save head through ModulesToSaveWrapper with peft 0.7.1 (see README.md)."""

import traceback

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
lora = LoraConfig(task_type="SEQ_CLS", r=4, target_modules=["q_proj", "v_proj"])
model = get_peft_model(LlamaForSequenceClassification(config), lora)
head = model.base_model.model.score
print(type(head).__name__)
for name in ("out_features", "weight"):
    try:
        print(name, getattr(head, name))
    except AttributeError:
        traceback.print_exc()
print("through the wrapped copy:", head.modules_to_save["default"].out_features)
