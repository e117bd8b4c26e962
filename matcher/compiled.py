"""A compiled KB cache: the validated entries as plain data, so a warm CLI run imports neither yaml nor pydantic.

``load_compiled`` returns the same ``kb.model.KnowledgeBase`` of ``kb.model.Entry`` the
loader builds (cold), read back with ``kb.model.entry_from_data`` (warm): one type on
both paths, so a field added to the model is seen on both or neither. The cache key is the peft-why version plus
every KB file's path, size and mtime, so editing, adding or removing an entry (or
pointing ``PEFT_WHY_KB_PATH`` elsewhere) rebuilds it through the real loader.

The file is ``marshal`` data, the format of ``.pyc`` files: it reads back in less than half the
time of JSON and keeps tuples, so the BM25 postings need no conversion after loading. It is
specific to the Python version, which is part of the key; it lives in the user's own cache dir,
trusted as that user's bytecode is. Only the newest ``KEEP`` cache files are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Callable

from peft_why.kb.model import KnowledgeBase, LoadedEntry, entry_from_data, entry_to_data
from peft_why.kb.problem import Problem

# 2: entries are kb.model.Entry data (family, presentations, finding, messages added); 3: + BM25 index;
# 4: marshal instead of JSON; 5: + the reproductions' raise sites (frame stage)
FORMAT = 5
LEGACY_SUFFIXES = (".json",)  # formats 1-3
KEEP = 8  # cache files kept in the cache dir: one per KB state; several venvs or KB paths may share it


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
    digest = hashlib.sha256(f"{FORMAT} {version} {sys.version_info[:2]} {marshal.version}".encode())
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
        data = marshal.loads(path.read_bytes())
        if data.get("key") == key:
            return kb_from_data(data), data.get("derived")
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError):
        pass
    kb = build()
    derived = derive(kb)
    try:
        payload = {"key": key, "derived": derived, **kb_to_data(kb)}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(payload))
        tmp.replace(path)
        prune(path)
    except (OSError, ValueError):
        pass  # no writable cache (or data marshal cannot hold): every run uses the real loader
    return kb, derived


def prune(kept: Path, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` newest cache files named like ``kept`` (``<prefix>-*<suffix>``).

    Every edit of an entry makes a new cache file; without this the cache dir grows by one
    file (~1 MB) per edit, forever. Files of earlier formats (``LEGACY_SUFFIXES``) count as older.
    """
    prefix = kept.name.split("-", 1)[0] + "-"
    suffixes = {kept.suffix, *LEGACY_SUFFIXES}
    files = [p for p in kept.parent.glob(f"{prefix}*") if p.suffix in suffixes and p.is_file()]
    files.sort(key=lambda p: (p == kept, p.suffix == kept.suffix, _mtime(p)), reverse=True)
    for stale in files[keep:]:
        with contextlib.suppress(OSError):  # another process may have removed it first
            stale.unlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def kb_to_data(kb: KnowledgeBase) -> dict[str, Any]:
    """The KB as plain data: entries (with path and origin) and problems; positions are dropped."""
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
