"""adapter-config-not-found: the folder given as the adapter holds no adapter_config.json.

``PeftModel.from_pretrained`` reads ``adapter_config.json`` first. The usual mistakes show in the
folder itself: the Trainer's ``output_dir`` instead of its ``checkpoint-N`` subfolder (or an adapter
saved under its own name one level down), a base-model folder (``config.json`` but no adapter), a
path relative to another working directory. The evidence lists what is there and where an
``adapter_config.json`` is, one or two levels down. A Hub id cannot be checked offline.
"""

from __future__ import annotations

import os

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    sample,
)

ENTRY = "adapter-config-not-found"
FIX = (
    "Point from_pretrained at the folder that holds adapter_config.json (e.g. output_dir/checkpoint-500, "
    "as an absolute path); for a Hub repo check the id and pass token=..."
)
CONFIG = "adapter_config.json"
MAX_LISTED = 200  # folders scanned per level: a Trainer output_dir has a handful


def check(ctx: CheckContext) -> Finding:
    if not ctx.adapter_dir:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter folder given")
    folder = ctx.adapter_dir
    if os.path.isfile(os.path.join(folder, CONFIG)):
        return finding(ENTRY, NOT_CONFIRMED, f"{CONFIG} is there", [f"{os.path.join(folder, CONFIG)}"], FIX)
    if not os.path.exists(folder):
        if _looks_like_hub_id(folder):
            return finding(ENTRY, NOT_APPLICABLE, f"{folder!r} is not a local folder (a Hub id is not checked offline)")
        return finding(
            ENTRY,
            CONFIRMED,
            f"no such folder: {folder}",
            [f"working directory: {os.getcwd()}", f"absolute path: {os.path.abspath(folder)}"],
            FIX,
        )
    if not os.path.isdir(folder):
        return finding(ENTRY, CONFIRMED, f"{folder} is a file, not an adapter folder", [f"file: {folder}"], FIX)
    evidence = [f"{folder} holds: {', '.join(sample(sorted(os.listdir(folder)), 8)) or 'nothing'}"]
    if os.path.isfile(os.path.join(folder, "config.json")):
        evidence.append("config.json is there: this is a model folder, not an adapter")
    found = _configs_below(folder)
    evidence += sample(f"{CONFIG} found in {os.path.relpath(path, folder)}/" for path in found)
    return finding(ENTRY, CONFIRMED, f"{folder} has no {CONFIG}", evidence, FIX)


def _looks_like_hub_id(value: str) -> bool:
    """``org/name`` or ``name``: no leading ``.``, ``/`` or ``~``, at most one slash."""
    return not value.startswith((".", "/", "~")) and value.count("/") <= 1 and os.sep == "/"


def _configs_below(folder: str) -> list[str]:
    """Folders one or two levels down that hold adapter_config.json (checkpoint-N, adapter names), sorted."""
    found: list[str] = []
    for first in _subfolders(folder):
        if os.path.isfile(os.path.join(first, CONFIG)):
            found.append(first)
        found += [second for second in _subfolders(first) if os.path.isfile(os.path.join(second, CONFIG))]
    return found


def _subfolders(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))[:MAX_LISTED]
    except OSError:
        return []
    return [os.path.join(folder, name) for name in names if os.path.isdir(os.path.join(folder, name))]
