"""ptuning-pre-seq-len-mismatch: saved prompt/prefix weights built for another number of virtual tokens.

A prompt (or prefix) encoder has one embedding row per virtual token, so ``num_virtual_tokens`` (and
``num_transformer_submodules``) fix its size; weights saved with one length do not fit an encoder
built with another. peft saves them as ``prompt_embeddings`` ``[tokens, dim]``; the live encoder is
``model.prompt_encoder[adapter].embedding``. This check compares the rows of the two (the saved ones
read from the file's header only); ChatGLM's own ``pre_seq_len`` prefix files are not peft's and are
not read here.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    active_adapter_names,
    adapter_weights_path,
    config_value,
    finding,
    is_peft_model,
    model_precondition,
    read_adapter_config,
    tensor_shapes,
    unwrap,
)

ENTRY = "ptuning-pre-seq-len-mismatch"
FIX = (
    "Build the model from the saved adapter config (PeftModel.from_pretrained(base, path), or "
    "num_virtual_tokens / pre_seq_len set to the value used in training) instead of a config written anew."
)
SAVED = "prompt_embeddings"


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    saved = tensor_shapes(path).get(SAVED) if path else None
    if path is None or saved is None:
        return finding(ENTRY, NOT_APPLICABLE, "no saved prompt/prefix weights (prompt_embeddings) to compare")
    model = unwrap(ctx.model)
    encoders = getattr(model, "prompt_encoder", None) if is_peft_model(model) else None
    adapters = [name for name in active_adapter_names(model) if encoders is not None and name in encoders]
    if not adapters or encoders is None:
        return finding(ENTRY, NOT_APPLICABLE, "the model has no prompt encoder to load them into")
    adapter = adapters[0]
    weight = getattr(getattr(encoders[adapter], "embedding", None), "weight", None)
    if weight is None:
        return finding(ENTRY, NOT_APPLICABLE, f"the prompt encoder of {adapter!r} has no embedding table")
    shape, _ = saved
    here = tuple(weight.shape)
    saved_config = read_adapter_config(ctx.adapter_dir or "") or {}
    live_config = model.peft_config.get(adapter)
    evidence = [
        f"saved {SAVED}: {list(shape)} (num_virtual_tokens {saved_config.get('num_virtual_tokens')})",
        f"[{adapter}] prompt encoder embedding: {list(here)} "
        f"(num_virtual_tokens {config_value(live_config, 'num_virtual_tokens')})",
    ]
    if shape and here and shape[0] != here[0]:
        return finding(
            ENTRY,
            CONFIRMED,
            f"the saved prompt weights have {shape[0]} virtual-token rows, this model's encoder {here[0]}",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "the saved prompt weights fit this model's prompt encoder", evidence, FIX)
