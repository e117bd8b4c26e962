"""The one runtime model of the KB: plain frozen dataclasses, standard library only.

``kb.schema`` (pydantic) validates YAML and converts into these types; the compiled KB
cache (``matcher.compiled``) writes and reads them as JSON. Both paths build entries
with ``entry_from_data``, so a cold run (the loader) and a warm run (the cache) hand the
matcher, renderers, docs hooks, report and hook the same type with the same values, and a
field added here is seen on both paths or neither.

Nothing here imports yaml or pydantic: the warm path must stay cheap.
Sequences are tuples (immutable, comparable); version maps stay plain dicts, so an
``Entry`` compares by value but is not hashable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from .problem import Problem

__all__ = [
    "Entry",
    "Examples",
    "Fix",
    "KnowledgeBase",
    "KnownMiss",
    "LoadedEntry",
    "Loc",
    "Message",
    "Presentation",
    "Problem",
    "Reproduced",
    "Symptom",
    "entry_from_data",
    "entry_to_data",
]

Loc = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class Symptom:
    """One pattern over part of a paste; ``scope`` says which part (message, traceback, warning, any)."""

    scope: str
    exception: tuple[str, ...]
    regex: str


@dataclass(frozen=True)
class Presentation:
    """How the failure shows without (or beside) an error message: what the user sees, after doing what."""

    observation: str
    context: str
    lang: str


@dataclass(frozen=True)
class Fix:
    """What to do: an imperative one-line summary and a snippet that does it."""

    summary: str
    snippet: str


@dataclass(frozen=True)
class Message:
    """A version-relevant library message behind a symptom: literal source text, optionally catalogued."""

    package: str
    text: str
    catalogue: str | None


@dataclass(frozen=True)
class Reproduced:
    """How the failure was reproduced (``cpu``, ``side-venv``, ``gpu``, ``no``) and a note."""

    how: str
    note: str


@dataclass(frozen=True)
class KnownMiss:
    """A real case the matcher gets wrong today, with why."""

    text: str
    note: str


@dataclass(frozen=True)
class Examples:
    """Texts that must rank the entry first, near misses that must not, and known misses."""

    match: tuple[str, ...]
    no_match: tuple[str, ...]
    known_miss: tuple[KnownMiss, ...]


@dataclass(frozen=True)
class Entry:
    """One known failure. Field order mirrors the YAML files (and ``kb.schema.Entry``)."""

    id: str
    title: str
    status: str
    since: str
    area: str
    generic: bool
    family: str | None
    symptoms: tuple[Symptom, ...]
    presentations: tuple[Presentation, ...]
    distinguish: str | None
    root_cause: str
    finding: str | None
    fix: Fix
    verify: str | None
    affects: dict[str, str]
    fixed_in: dict[str, str]
    reviewed: dict[str, str]
    messages: tuple[Message, ...]
    reproduced: Reproduced | None
    aliases: tuple[str, ...]
    superseded_by: str | None
    examples: Examples
    references: tuple[str, ...]

    @property
    def is_retired(self) -> bool:
        """Retired entries stay in the KB (ids are never reused) but never rank."""
        return self.status == "retired"


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _strings(values: object) -> tuple[str, ...]:
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"expected a list, got {type(values).__name__}")
    return tuple(str(value) for value in values)


def _string_map(values: object) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise TypeError(f"expected a mapping, got {type(values).__name__}")
    return {str(key): str(value) for key, value in values.items()}


def _items(values: object) -> list[Mapping[str, Any]]:
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, Mapping) for v in values):
        raise TypeError("expected a list of mappings")
    return list(values)


def entry_from_data(data: Mapping[str, Any]) -> Entry:
    """An ``Entry`` from its plain-data form (``entry_to_data``'s output, or validated YAML as JSON data).

    Strict about shape (a missing key raises ``KeyError``, a wrong container ``TypeError``) so a stale
    or foreign cache file is rebuilt rather than half-read; values are assumed already validated.
    """
    fix = data["fix"]
    examples = data["examples"]
    reproduced = data["reproduced"]
    return Entry(
        id=str(data["id"]),
        title=str(data["title"]),
        status=str(data["status"]),
        since=str(data["since"]),
        area=str(data["area"]),
        generic=bool(data["generic"]),
        family=_opt_str(data["family"]),
        symptoms=tuple(
            Symptom(str(s["scope"]), _strings(s["exception"]), str(s["regex"])) for s in _items(data["symptoms"])
        ),
        presentations=tuple(
            Presentation(str(p["observation"]), str(p["context"]), str(p["lang"]))
            for p in _items(data["presentations"])
        ),
        distinguish=_opt_str(data["distinguish"]),
        root_cause=str(data["root_cause"]),
        finding=_opt_str(data["finding"]),
        fix=Fix(str(fix["summary"]), str(fix["snippet"])),
        verify=_opt_str(data["verify"]),
        affects=_string_map(data["affects"]),
        fixed_in=_string_map(data["fixed_in"]),
        reviewed=_string_map(data["reviewed"]),
        messages=tuple(
            Message(str(m["package"]), str(m["text"]), _opt_str(m["catalogue"])) for m in _items(data["messages"])
        ),
        reproduced=None if reproduced is None else Reproduced(str(reproduced["how"]), str(reproduced["note"])),
        aliases=_strings(data["aliases"]),
        superseded_by=_opt_str(data["superseded_by"]),
        examples=Examples(
            _strings(examples["match"]),
            _strings(examples["no_match"]),
            tuple(KnownMiss(str(k["text"]), str(k["note"])) for k in _items(examples["known_miss"])),
        ),
        references=_strings(data["references"]),
    )


def entry_to_data(entry: Entry) -> dict[str, Any]:
    """The entry as JSON-ready plain data, keys in field order (``explain --format json``, the cache)."""
    data: dict[str, Any] = _plain(dataclasses.asdict(entry))
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True)
class LoadedEntry:
    """An entry plus where it came from (``built-in`` or a user KB directory).

    ``positions`` (YAML line/column per field) is known only when the entry was parsed from YAML
    (``kb lint``, the docs build); entries from the compiled cache have none.
    """

    entry: Entry
    path: str
    origin: str
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class KnowledgeBase:
    """The entries in effect after layering user KB directories over the built-in one."""

    loaded: dict[str, LoadedEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def entries(self) -> list[Entry]:
        """All entries, retired ones included, sorted by id (deterministic order)."""
        return [self.loaded[key].entry for key in sorted(self.loaded)]

    @property
    def active(self) -> list[Entry]:
        """Entries that may rank: retired ones never do."""
        return [entry for entry in self.entries if not entry.is_retired]

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        found = self.loaded.get(entry_id)
        return found.entry if found else None

    def origin(self, entry_id: str) -> str:
        """``built-in`` or the user KB directory that supplied this id."""
        return self.loaded[entry_id].origin

    def __len__(self) -> int:
        return len(self.loaded)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.loaded
