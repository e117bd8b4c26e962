"""adapter-weights-file-missing: the adapter folder holds adapter_config.json but no adapter weights.

``load_peft_weights`` looks for ``adapter_model.safetensors`` or ``adapter_model.bin`` in the folder
and, finding neither, treats the path as a Hub repo id: a local path then fails in the Hub client
(``HFValidationError`` / ``LocalEntryNotFoundError``) or, for a Hub repo without the file, as
"Can't find weights for ...". The folder shows it: the config is there, the weights are not. The
evidence lists what is there and where adapter weights are one level down (an adapter saved under
its own name, ``<dir>/<adapter_name>/``).
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
    adapter_weights_path,
    finding,
    sample,
)

ENTRY = "adapter-weights-file-missing"
CONFIG = "adapter_config.json"
FIX = (
    "Load from the folder that holds adapter_model.safetensors (or .bin) next to adapter_config.json, or save "
    "the adapter again with model.save_pretrained(output_dir) from the trained model."
)
MAX_LISTED = 200  # entries scanned one level down: an adapter folder or checkpoint has a handful


def check(ctx: CheckContext) -> Finding:
    folder = ctx.adapter_dir
    if not folder or not os.path.isfile(os.path.join(folder, CONFIG)):
        return finding(ENTRY, NOT_APPLICABLE, f"no adapter folder with {CONFIG} given")
    weights = adapter_weights_path(folder)
    if weights is not None:
        return finding(ENTRY, NOT_CONFIRMED, f"{os.path.basename(weights)} is next to {CONFIG}", [weights], FIX)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        return finding(ENTRY, NOT_APPLICABLE, f"cannot list {folder}: {exc}")
    evidence = [f"{folder} holds: {', '.join(sample(names, 8))}"]
    evidence += sample(f"adapter weights found in {os.path.relpath(path, folder)}" for path in _weights_below(folder))
    return finding(
        ENTRY,
        CONFIRMED,
        f"{folder} has {CONFIG} but neither {' nor '.join(ADAPTER_WEIGHTS)}",
        evidence,
        FIX,
    )


def _weights_below(folder: str) -> list[str]:
    """Adapter weight files one folder down (an adapter saved under its own name), sorted."""
    found = []
    for name in sorted(os.listdir(folder))[:MAX_LISTED]:
        sub = os.path.join(folder, name)
        if os.path.isdir(sub):
            path = adapter_weights_path(sub)
            if path is not None:
                found.append(path)
    return found
