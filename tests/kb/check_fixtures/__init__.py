"""Planted faults and clean states for the verification checks: one module per check.

``tests/kb/check_fixtures/<check_name>.py`` defines ``fault(tmp_path) -> Scenario`` (the model,
or saved adapter, with the check's fault planted) and ``clean(tmp_path) -> Scenario`` (the
nearest state in which the check must not confirm). ``tests/kb/test_check_contract.py`` runs
every *discovered* check against its module, so a new check file cannot slip in untested.
Shared builders live here: tiny models from configs, never downloaded weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LLAMA: dict[str, Any] = dict(
    hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, vocab_size=128, max_position_embeddings=64,
)  # fmt: skip


@dataclass
class Scenario:
    """A model in a phase, plus what else a check may read (``adapter_dir``, ``tokenizer``, ...)."""

    model: Any
    phase: str
    context: dict[str, Any] = field(default_factory=dict)


class Vocab:
    """A tokenizer as far as the checks care: it has a length."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size


def tiny(kind: str = "causal", **overrides: Any) -> Any:
    """A two-layer Llama from a config (seeded): ``causal`` or ``classifier`` (3 labels)."""
    import torch
    import transformers

    LlamaConfig: Any = transformers.LlamaConfig
    LlamaForCausalLM: Any = transformers.LlamaForCausalLM
    LlamaForSequenceClassification: Any = transformers.LlamaForSequenceClassification

    torch.manual_seed(0)
    if kind == "classifier":
        return LlamaForSequenceClassification(LlamaConfig(num_labels=3, pad_token_id=0, **LLAMA, **overrides)).eval()
    return LlamaForCausalLM(LlamaConfig(**LLAMA, **overrides)).eval()


def lora(model: Any, **options: Any) -> Any:
    """``get_peft_model`` with a small LoRA on q_proj/v_proj unless told otherwise."""
    from peft import LoraConfig, get_peft_model

    autocast = options.pop("autocast_adapter_dtype", True)
    options.setdefault("target_modules", ["q_proj", "v_proj"])
    return get_peft_model(model, LoraConfig(r=4, lora_alpha=8, **options), autocast_adapter_dtype=autocast)


def trained(model: Any) -> Any:
    """Stand-in for training: LoRA B no longer zero."""
    import torch

    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn_like(param) * 0.01)
    return model.eval()


def saved(model: Any, folder: Path) -> str:
    """Save the adapter to ``folder``; its path."""
    model.save_pretrained(str(folder))
    return str(folder)


def clean_model() -> Any:
    """A trained LoRA model in eval mode: no check should confirm on it."""
    return trained(lora(tiny()))


def clean_inference(tmp_path: Path) -> Scenario:
    """The clean model at inference, with its saved adapter and a matching tokenizer."""
    model = clean_model()
    return Scenario(model, "inference", {"adapter_dir": saved(model, tmp_path / "clean"), "tokenizer": Vocab(128)})


def clean_training(tmp_path: Path) -> Scenario:
    """The clean model in training, with its saved adapter and a matching tokenizer."""
    model = clean_model().train()
    return Scenario(model, "training", {"adapter_dir": saved(model, tmp_path / "clean"), "tokenizer": Vocab(128)})
