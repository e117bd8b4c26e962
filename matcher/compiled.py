"""A compiled KB cache: the validated entries as JSON, so a warm CLI run imports neither yaml nor pydantic.

``load_compiled`` returns the same ``kb.model.KnowledgeBase`` of ``kb.model.Entry`` the
loader builds (cold), read back with ``kb.model.entry_from_data`` (warm): one type on
both paths, so a field added to the model is seen on both or neither. The cache key is the peft-why version plus
every KB file's path, size and mtime, so editing, adding or removing an entry (or
pointing ``PEFT_WHY_KB_PATH`` elsewhere) rebuilds it through the real loader.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Callable

from peft_why.kb.model import KnowledgeBase, LoadedEntry, entry_from_data, entry_to_data
from peft_why.kb.problem import Problem

FORMAT = 3  # 2: entries are kb.model.Entry data (family, presentations, finding, messages added); 3: + BM25 index


def _kb_files(dirs: Sequence[Path]) -> Iterator[str]:
    for directory in dirs:
        yield f"dir {directory}"
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith((".yaml", ".yml")):
                stat = os.stat(directory / name)
                yield f"{directory / name} {stat.st_size} {stat.st_mtime_ns}"


def cache_dir() -> Path:
    """The user cache dir (``$PEFT_WHY_CACHE``, ``$XDG_CACHE_HOME/peft-why`` or ``~/.cache/peft-why``).

    Here rather than in ``semantic`` (which uses it for vectors and the model) so that a regex-settled
    paste, which needs only the KB cache, does not import the semantic stage.
    """
    override = os.environ.get("PEFT_WHY_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "peft-why"


def cache_key(version: str, dirs: Sequence[Path]) -> str:
    """Changes whenever any KB file (or the set of files, or the version) changes."""
    digest = hashlib.sha256(f"{FORMAT} {version}".encode())
    for line in _kb_files(dirs):
        digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()[:24]


def load_compiled(
    path: Path,
    key: str,
    build: Callable[[], KnowledgeBase],
    derive: Callable[[KnowledgeBase], Any] = lambda kb: None,
) -> tuple[KnowledgeBase, Any]:
    """``(kb, derived)`` from ``path`` when its key matches, else built and written to ``path``.

    ``build()`` is the real loader; ``derive(kb)`` computes JSON-ready data that depends only on
    the KB (the matcher's index documents and regex literals), cached beside the entries.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return kb_from_data(data), data.get("derived")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    kb = build()
    derived = derive(kb)
    try:
        payload = {"key": key, "derived": derived, **kb_to_data(kb)}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # no writable cache: every run uses the real loader
    return kb, derived


def kb_to_data(kb: KnowledgeBase) -> dict[str, Any]:
    """The KB as JSON-ready data: entries (with path and origin) and problems; positions are dropped."""
    return {
        "entries": [
            {"entry": entry_to_data(kb.loaded[entry_id].entry), "path": kb.loaded[entry_id].path,
             "origin": kb.loaded[entry_id].origin}
            for entry_id in sorted(kb.loaded)
        ],
        "problems": [
            {"path": p.path, "line": p.line, "col": p.col, "entry_id": p.entry_id, "field": p.field,
             "message": p.message}
            for p in kb.problems
        ],
    }  # fmt: skip


def kb_from_data(data: dict[str, Any]) -> KnowledgeBase:
    """``kb_to_data``'s inverse; raises ``KeyError``/``TypeError`` on a malformed file."""
    loaded = {}
    for item in data["entries"]:
        entry = entry_from_data(item["entry"])
        loaded[entry.id] = LoadedEntry(entry, str(item["path"]), str(item["origin"]))
    return KnowledgeBase(loaded, [Problem(**p) for p in data["problems"]])
