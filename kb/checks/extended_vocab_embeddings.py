"""extended-vocab-embeddings: base, adapter and tokenizer disagree on the vocabulary size.

Tokens were added (``resize_token_embeddings``) when the adapter was trained; the base it is loaded
onto, or the tokenizer used with it, has a different number of rows.
"""

from __future__ import annotations

import os
from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    base_model_of,
    finding,
    read_model_config,
    sharding,
    tensor_shapes,
    unwrap,
)

ENTRY = "extended-vocab-embeddings"
FIX = (
    "Load the tokenizer saved with the adapter and resize the base before loading it: "
    "base.resize_token_embeddings(len(tokenizer)); then PeftModel.from_pretrained(base, adapter_path)."
)
EMBEDDING_NAMES = ("embed_tokens", "wte", "word_embeddings", "embed_in", "lm_head", "embed_out", "shared")


def check(ctx: CheckContext) -> Finding:
    sizes: dict[str, int] = {}
    evidence: list[str] = []
    if ctx.model is not None:
        model = unwrap(ctx.model)
        reason = sharding(model)
        if reason:
            return finding(ENTRY, NOT_APPLICABLE, "sharded model: embedding shapes are per rank", [reason])
        rows = _embedding_rows(base_model_of(model))
        if rows is not None:
            sizes["base model embeddings"] = rows
    elif ctx.base_dir:
        vocab = (read_model_config(ctx.base_dir) or {}).get("vocab_size")
        if isinstance(vocab, int):
            sizes["base config vocab_size"] = vocab
    saved = _adapter_rows(ctx.adapter_dir)
    for name, rows in saved.items():
        sizes[f"adapter {name}"] = rows
    tokenizer_size = _tokenizer_size(ctx)
    if len(sizes) + (tokenizer_size is not None) < 2:
        return finding(
            ENTRY,
            NOT_APPLICABLE,
            "needs two of: the model, a saved adapter, a tokenizer",
            [f"{key}: {value}" for key, value in sizes.items()],
        )
    evidence = [f"{key}: {value} rows" for key, value in sizes.items()]
    if tokenizer_size is not None:
        evidence.append(f"tokenizer: {tokenizer_size} tokens")
    problems = []
    row_counts = set(sizes.values())
    if len(row_counts) > 1:
        problems.append("embedding row counts differ")
    if tokenizer_size is not None and row_counts and tokenizer_size > min(row_counts):
        problems.append(f"the tokenizer has {tokenizer_size - min(row_counts)} ids beyond the embeddings")
    if problems:
        return finding(ENTRY, CONFIRMED, "; ".join(problems), evidence, FIX)
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        "vocabulary sizes agree",
        evidence,
        FIX,
        note="a tokenizer smaller than the embeddings is normal (padding to a multiple)",
    )


def _embedding_rows(model: Any) -> int | None:
    getter = getattr(model, "get_input_embeddings", None)
    try:
        embeddings = getter() if callable(getter) else None
    except NotImplementedError:
        embeddings = None
    weight = getattr(embeddings, "weight", None)
    if weight is None and embeddings is not None:  # a PEFT wrapper around the embedding
        weight = getattr(getattr(embeddings, "base_layer", None), "weight", None)
    return int(weight.shape[0]) if weight is not None and weight.dim() == 2 else None


def _adapter_rows(adapter_dir: str | None) -> dict[str, int]:
    path = adapter_weights_path(adapter_dir) if adapter_dir else None
    if path is None:
        return {}
    rows: dict[str, int] = {}
    for name, (shape, _) in tensor_shapes(path).items():
        parts = name.split(".")
        if len(shape) != 2 or not any(part in EMBEDDING_NAMES for part in parts):
            continue
        if "lora_embedding_A" in parts:  # (r, vocab)
            rows[name] = shape[1]
        elif "lora_" not in name and name.endswith("weight"):  # a full copy (modules_to_save)
            rows[name] = shape[0]
    return rows


def _tokenizer_size(ctx: CheckContext) -> int | None:
    if ctx.tokenizer is not None:
        return len(ctx.tokenizer)
    for folder in (ctx.adapter_dir, ctx.base_dir):
        if folder and os.path.isfile(os.path.join(folder, "tokenizer_config.json")):
            from transformers import AutoTokenizer

            return len(AutoTokenizer.from_pretrained(folder, local_files_only=True))
    return None
