"""trainable-token-indices-tied-mismatch: embed_tokens and the tied lm_head given different token ids.

get_peft_model raised, so the model is the plain (tied) one and the config comes beside it.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, tiny


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    config = LoraConfig(
        r=4,
        target_modules=["q_proj"],
        trainable_token_indices={"embed_tokens": [1, 2], "lm_head": [3]},
        ensure_weight_tying=True,
    )
    return Scenario(tiny(tie_word_embeddings=True), "inference", {"peft_config": config})


def clean(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    config = LoraConfig(
        r=4,
        target_modules=["q_proj"],
        trainable_token_indices={"embed_tokens": [1, 2], "lm_head": [1, 2]},
        ensure_weight_tying=True,
    )
    return Scenario(tiny(tie_word_embeddings=True), "inference", {"peft_config": config})
