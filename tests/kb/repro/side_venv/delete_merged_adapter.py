"""Delete a merged LoRA adapter with peft 0.20.0, where nothing stops it (see README.md)."""

import peft
import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

print("peft", peft.__version__)
config = LlamaConfig(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=128,
    max_position_embeddings=64,
)
torch.manual_seed(0)
ids = torch.tensor([[1, 5, 9, 17, 33, 2]])
base = LlamaForCausalLM(config).eval()
with torch.no_grad():
    before = base(ids).logits
lora = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)  # non-zero B: a trained adapter
model = get_peft_model(base, lora)
model.add_adapter("other", LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
model.merge_adapter()
model.delete_adapter("default")  # peft >= 0.21.0 raises here
print("adapters left:", list(model.peft_config))
with torch.no_grad(), model.disable_adapter():
    after = model(ids).logits
print(f"base logits changed by the deleted adapter: max|diff| = {(after - before).abs().max().item():.4f}")
