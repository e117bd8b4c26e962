"""generate-sampling-seed: the model's generation config samples, so generate() differs run to run.

``generate()`` without ``do_sample=`` uses the model's ``generation_config``, and many checkpoints ship
a ``generation_config.json`` with ``do_sample=True``, temperature and top_p; then every call draws its
tokens at random and a LoRA model's answers cannot be compared with the base's or between runs. The
setting is on the model (``model.generation_config``), which is what this check reads.
"""

from __future__ import annotations

import os

from .api import (
    CONFIRMED,
    INFERENCE,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    finding,
    model_precondition,
    unwrap,
)

ENTRY = "generate-sampling-seed"
PHASE = INFERENCE
FIX = (
    "Decode greedily to compare outputs: model.generate(**inputs, do_sample=False); or call "
    "transformers.set_seed(0) right before each sampled generate()."
)
SAMPLING = ("temperature", "top_p", "top_k")


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY, PHASE)
    if skip:
        return skip
    base = base_model_of(unwrap(ctx.model))
    config = getattr(base, "generation_config", None)
    if config is None:
        return finding(ENTRY, NOT_APPLICABLE, f"{type(base).__name__} has no generation_config (it does not generate)")
    evidence = [
        f"generation_config.do_sample: {getattr(config, 'do_sample', None)}",
        ", ".join(f"{name}: {getattr(config, name, None)}" for name in SAMPLING),
    ]
    source = ctx.base_dir or getattr(getattr(base, "config", None), "_name_or_path", "")
    if source and os.path.isfile(os.path.join(source, "generation_config.json")):
        evidence.append(f"from {os.path.join(source, 'generation_config.json')}")
    if getattr(config, "do_sample", False):
        return finding(
            ENTRY,
            CONFIRMED,
            "generate() samples by default here (generation_config.do_sample=True): each call gives other text",
            evidence,
            FIX,
        )
    return finding(
        ENTRY, NOT_CONFIRMED, "generate() decodes greedily by default here (do_sample is off)", evidence, FIX
    )
