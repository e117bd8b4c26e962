"""A compiled KB cache: the validated entries as JSON, so a warm CLI run imports neither yaml nor pydantic.

``load_compiled`` returns a ``CompiledKB`` that answers like ``kb.loader.KnowledgeBase``
(``entries``, ``active``, ``get``, ``origin``, ``problems``) with light entry objects
whose attributes mirror ``kb.schema.Entry``. The cache key is the peft-why version plus
every KB file's path, size and mtime, so editing, adding or removing an entry (or
pointing ``PEFT_WHY_KB_PATH`` elsewhere) rebuilds it through the real loader.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from peft_why.kb.problem import Problem

FORMAT = 1
# Entry fields typed Dict[str, str] in kb.schema: plain mappings, not sub-models.
MAPPING_FIELDS = frozenset({"affects", "fixed_in", "reviewed"})


class Record:
    """Attribute access over a JSON mapping (``entry.fix.summary``), read-only."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._data[name]
        except KeyError:
            raise AttributeError(name) from None
        return dict(value) if name in MAPPING_FIELDS else _wrap(value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("compiled KB records are read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other._data == self._data

    def __hash__(self) -> int:
        return hash(json.dumps(self._data, sort_keys=True))

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """The entry as plain data, like pydantic's ``model_dump(mode="json")``."""
        del mode
        copied: dict[str, Any] = json.loads(json.dumps(self._data))
        return copied

    @property
    def is_retired(self) -> bool:
        """Same as ``Entry.is_retired``."""
        return bool(self._data.get("status") == "retired")


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Record(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


@dataclass
class CompiledKB:
    """The KB in effect, from the cache: same read interface as ``KnowledgeBase``."""

    records: dict[str, tuple[Record, str]] = field(default_factory=dict)  # id -> (entry, origin)
    problems: list[Problem] = field(default_factory=list)

    @property
    def entries(self) -> list[Any]:
        return [self.records[key][0] for key in sorted(self.records)]

    @property
    def active(self) -> list[Any]:
        return [entry for entry in self.entries if not entry.is_retired]

    def get(self, entry_id: str) -> Any | None:
        found = self.records.get(entry_id)
        return found[0] if found else None

    def origin(self, entry_id: str) -> str:
        return self.records[entry_id][1]

    def __len__(self) -> int:
        return len(self.records)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.records


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


def cache_key(version: str, dirs: Sequence[Path]) -> str:
    """Changes whenever any KB file (or the set of files, or the version) changes."""
    digest = hashlib.sha256(f"{FORMAT} {version}".encode())
    for line in _kb_files(dirs):
        digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()[:24]


def load_compiled(
    path: Path, key: str, build: Callable[[], Any], derive: Callable[[Any], Any] = lambda kb: None
) -> tuple[Any, Any]:
    """``(kb, derived)`` from ``path`` when its key matches, else built and written to ``path``.

    ``build()`` is the real loader; ``derive(kb)`` computes JSON-ready data that depends only on
    the KB (the matcher's index documents and regex literals), cached beside the entries.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            kb = CompiledKB(
                {e["entry"]["id"]: (Record(e["entry"]), e["origin"]) for e in data["entries"]},
                [Problem(**p) for p in data["problems"]],
            )
            return kb, data.get("derived")
    except (OSError, ValueError, KeyError, TypeError):
        pass
    kb = build()
    derived = derive(kb)
    try:
        payload = {
            "key": key,
            "derived": derived,
            "entries": [
                {"entry": kb.get(entry_id).model_dump(mode="json"), "origin": kb.origin(entry_id)}
                for entry_id in sorted(e.id for e in kb.entries)
            ],
            "problems": [
                {
                    "path": p.path,
                    "line": p.line,
                    "col": p.col,
                    "entry_id": p.entry_id,
                    "field": p.field,
                    "message": p.message,
                }
                for p in kb.problems
            ],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # no writable cache: every run uses the real loader
    return kb, derived
