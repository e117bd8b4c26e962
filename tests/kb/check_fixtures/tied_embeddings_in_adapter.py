"""tied-embeddings-in-adapter: LoRA on lm_head of a Llama whose lm_head is tied to embed_tokens; clean: untied."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, lora, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny(tie_word_embeddings=True), target_modules=["q_proj", "lm_head"])), "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(trained(lora(tiny(tie_word_embeddings=False), target_modules=["q_proj", "lm_head"])), "inference")
