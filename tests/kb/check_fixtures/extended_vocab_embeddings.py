"""extended-vocab-embeddings: an adapter saved with grown embeddings, loaded on the original size."""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model, lora, saved, tiny, trained


def fault(tmp_path: Path) -> Scenario:
    grown = tiny()
    grown.resize_token_embeddings(136)
    adapter = saved(trained(lora(grown, modules_to_save=["embed_tokens", "lm_head"])), tmp_path / "grown")
    return Scenario(clean_model(), "inference", {"adapter_dir": adapter})


def clean(tmp_path: Path) -> Scenario:
    return clean_inference(tmp_path)
