"""adapter-loaded-as-full-model: the folder loaded as a model is an adapter (no config.json).

``save_pretrained`` on a PeftModel writes the adapter only: ``adapter_config.json`` and its weights,
no ``config.json``. ``AutoConfig``, ``AutoTokenizer`` (unless the tokenizer was saved there too),
serving runtimes, and ``AutoModel*`` without peft (or before transformers 4.33) then fail on it.
The folder given as the model (``base_dir``) shows it.
"""

from __future__ import annotations

import os

from .api import (
    ADAPTER_WEIGHTS,
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    read_adapter_config,
)

ENTRY = "adapter-loaded-as-full-model"
FIX = (
    "Load the base model and attach the adapter: AutoPeftModelForCausalLM.from_pretrained(adapter_dir), or "
    "PeftModel.from_pretrained(AutoModel...from_pretrained(base_model_name_or_path), adapter_dir); "
    "for other runtimes merge_and_unload() and save a full model into a new folder."
)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")


def check(ctx: CheckContext) -> Finding:
    folder = ctx.base_dir
    if not folder or not os.path.isdir(folder):
        return finding(ENTRY, NOT_APPLICABLE, "no local folder given as the model")
    adapter = read_adapter_config(folder)
    has_config = os.path.isfile(os.path.join(folder, "config.json"))
    if adapter is None or has_config:
        what = "config.json is there" if has_config else "no adapter_config.json there"
        return finding(ENTRY, NOT_CONFIRMED, f"{folder} is not a bare adapter folder: {what}", [folder], FIX)
    weights = [name for name in ADAPTER_WEIGHTS if os.path.isfile(os.path.join(folder, name))]
    tokenizer = [name for name in TOKENIZER_FILES if os.path.isfile(os.path.join(folder, name))]
    evidence = [
        f"{folder}: adapter_config.json, {', '.join(weights) or 'no adapter weights'}; no config.json",
        f"adapter_config.json: peft_type {adapter.get('peft_type')}, "
        f"base_model_name_or_path {adapter.get('base_model_name_or_path')}",
        f"tokenizer files: {', '.join(tokenizer) or 'none (AutoTokenizer fails here too)'}",
    ]
    return finding(ENTRY, CONFIRMED, f"{folder} is an adapter, not a full model: it has no config.json", evidence, FIX)
