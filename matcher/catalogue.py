"""Which library message a paste shows: lookup in the message catalogue extracted from released wheels.

The catalogue (``kb/data/catalogue.json.gz``, built by ``scripts/build_catalogue.py``) holds every
message that peft -- and the peft-facing parts of transformers, trl and accelerate -- raise, warn
or log, as templates: the library's literal text with ``{…}`` where a run-time value goes. A hit
names the source site (package, file, function, the ``if`` that guards it) and the releases that
have it, which is an answer even when no KB entry covers the failure.

Speed: loading is lazy and cached (one gzip + JSON read, then a word index). A lookup tokenises
the paste once, pulls the templates whose rarest literal word occurs in it, keeps those whose
every literal word occurs, and runs only their regexes, on the lines around the rare word.

This module owns the template format (``PLACEHOLDER``, ``normalise_template``, ``template_regex``,
``message_id``) so the builder and the lookup can never disagree.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PLACEHOLDER = "{…}"
MESSAGE_CAP = 300  # characters of a message shown in a SourceAnswer
PLACEHOLDER_REGEX = ".{0,500}?"  # a run-time value: bounded, one line, lazy (same meaning in Python and JS)
WINDOW_BEFORE = 10  # lines searched before / after the line holding a template's rarest word
WINDOW_AFTER = 30
SEARCH_TIMEOUT = 0.05  # seconds per regex search: a hostile window cannot stall a lookup
# Templates of one site that open with the same solid words are one error reworded across releases.
OPENING_WORDS = 4

_WORD = re.compile(r"\w{3,}")
_SOLID = re.compile(r"(?<![\w\x00])\w{3,}(?![\w\x00])")  # a word not glued to a placeholder (\x00)
_SPACE = re.compile(r"\s+")
_FRAME = re.compile(r'\s*File "[^"]*", line \d+')
_RAISED = re.compile(r"\s*[A-Za-z_][\w.]*: ")  # "ValueError: …" indented under a frame by a re-pasted log
_SPECIAL = frozenset("\\^$.|?*+()[]{}")


class UnknownSourceId(LookupError):
    """No catalogue message has this id."""


# ---------------------------------------------------------------------------------------------
# The template format (shared with scripts/build_catalogue.py)


def normalise_template(text: str) -> str:
    """Whitespace runs to one space, ends stripped: line wrapping never changes a message's id."""
    return _SPACE.sub(" ", text).strip()


def message_id(package: str, template: str) -> str:
    """Stable id ``src:<package>:<8 hex>`` of a package and a normalised template."""
    digest = hashlib.sha1(f"{package}\n{normalise_template(template)}".encode()).hexdigest()
    return f"src:{package}:{digest[:8]}"


def _escape(text: str) -> str:
    # Only the syntax characters: an identity escape such as "\-" is an error in JS with the u flag.
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def template_regex(template: str) -> str:
    """The regex of a template: literal text escaped, whitespace as ``\\s+``, placeholders bounded.

    Valid in Python's ``re``/``regex`` and in JavaScript (with or without the ``u`` flag).
    """
    pieces = []
    for index, literal in enumerate(normalise_template(template).split(PLACEHOLDER)):
        if index:
            pieces.append(PLACEHOLDER_REGEX)
        pieces.append(r"\s+".join(_escape(word) for word in literal.split(" ")))
    return "".join(pieces)


def _solid_words(template: str) -> list[str]:
    """Literal words a paste of this message must contain as whole tokens (not glued to a value)."""
    return _SOLID.findall(template.replace(PLACEHOLDER, "\x00"))


def anchor_words(templates: Sequence[str]) -> list[str]:
    """Per template, its rarest solid word across all the templates ("" when it has none).

    The lookup indexes each template under this one word, so a paste pulls few candidates.
    """
    word_sets = [frozenset(_solid_words(template)) for template in templates]
    frequency: dict[str, int] = {}
    for words in word_sets:
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1
    return [min(words, key=lambda w: (frequency[w], -len(w), w)) if words else "" for words in word_sets]


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class SourceAnswer:
    """One catalogue message a paste shows, and where the library emits it.

    ``file``, ``function``, ``condition`` and ``exception`` are those of the newest site (a message
    can be emitted from several places; ``site_count`` says how many). ``first``/``last`` are the
    first and last sampled releases that have the message. ``line`` is the 1-based line of the
    paste where the match starts (0 for a lookup by id). ``specificity`` is the template's count
    of literal characters: the most specific template is preferred.
    """

    id: str
    message: str
    package: str
    file: str
    function: str
    first: str
    last: str
    condition: str
    exception: str
    kind: str
    site_count: int
    specificity: int
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "message": self.message,
            "package": self.package,
            "file": self.file,
            "function": self.function,
            "first": self.first,
            "last": self.last,
            "condition": self.condition,
            "exception": self.exception,
            "kind": self.kind,
            "site_count": self.site_count,
            "specificity": self.specificity,
            "line": self.line,
        }


@dataclass(frozen=True)
class VersionVerdict:
    """Whether a user's release has a message: True, False, or None when the sampling cannot tell."""

    has_message: bool | None
    text: str


# ---------------------------------------------------------------------------------------------
# The catalogue


class Catalogue:
    """The loaded catalogue: records, the releases read per package, and the rare-word index."""

    def __init__(self, header: dict[str, Any], records: Sequence[dict[str, Any]]) -> None:
        self.header = header
        self.records = list(records)
        self.by_id = {record["id"]: n for n, record in enumerate(self.records)}
        self.releases: dict[str, list[str]] = {
            package: list(info.get("releases", [])) for package, info in header.get("packages", {}).items()
        }
        self.sampling: dict[str, str] = {
            package: str(info.get("sampling", "")) for package, info in header.get("packages", {}).items()
        }
        self._words: dict[int, frozenset[str]] = {}
        self.index: dict[str, list[int]] = {}
        self._compiled: dict[int, Any] = {}
        # The builder stores each record's anchor ("a"); computing them here costs ~30 ms more.
        stored = [record.get("a") for record in self.records]
        anchors = stored if all(isinstance(a, str) for a in stored) else anchor_words([r["t"] for r in self.records])
        for n, anchor in enumerate(anchors):
            if anchor:  # a template without a solid word is unfindable by design: it would match anything
                self.index.setdefault(str(anchor), []).append(n)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Catalogue:
        return cls(document.get("header", {}), document.get("messages", []))

    def words(self, n: int) -> frozenset[str]:
        """The solid words of record ``n``: all must occur in a paste before its regex runs."""
        found = self._words.get(n)
        if found is None:
            found = frozenset(_solid_words(self.records[n]["t"]))
            self._words[n] = found
        return found

    def pattern(self, n: int) -> Any:
        """The compiled regex of record ``n`` (compiled on first use)."""
        compiled = self._compiled.get(n)
        if compiled is None:
            import regex

            # A lazy placeholder at either end changes only the span, never whether it matches; at
            # the start it would make every search position scan up to 500 characters.
            pattern = str(self.records[n]["re"]).removeprefix(PLACEHOLDER_REGEX).removesuffix(PLACEHOLDER_REGEX)
            compiled = regex.compile(pattern)
            self._compiled[n] = compiled
        return compiled

    @functools.cached_property
    def raised_at(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """``frames.site_key``-shaped key (``peft:peft_model.py:add_adapter``) -> the errors raised there.

        Each error maps its opening words to the ids of its templates: one message reworded
        across releases is several records but one error.
        """
        at: dict[str, dict[str, set[str]]] = {}
        for record in self.records:
            opening = " ".join(_solid_words(str(record["t"]))[:OPENING_WORDS]).lower()
            for kind, _exception, file, function, *_rest in record["sites"]:
                if kind == "raise":
                    key = f"{record['p']}:{file.rsplit('/', 1)[-1]}:{function.rsplit('.', 1)[-1]}"
                    at.setdefault(key, {}).setdefault(opening, set()).add(record["id"])
        return {key: {words: tuple(sorted(ids)) for words, ids in errors.items()} for key, errors in at.items()}

    def answer(self, n: int, line: int = 0, shown: str = "") -> SourceAnswer:
        """Record ``n`` as an answer; its site is the newest one, or the newest whose exception
        class the paste shows before the message (``shown``: the text before it on its line)."""
        record = self.records[n]
        sites = record["sites"]
        named = [site for site in sites if shown and f"{site[1]}:" in shown]
        kind, exception, file, function, condition = (named or sites)[0][:5]
        message = record["t"]
        if len(message) > MESSAGE_CAP:
            message = message[: MESSAGE_CAP - 1] + "…"
        return SourceAnswer(
            id=record["id"],
            message=message,
            package=record["p"],
            file=file,
            function=function,
            first=record["first"],
            last=record["last"],
            condition=condition,
            exception=exception,
            kind=kind,
            site_count=len(record["sites"]),
            specificity=int(record["lit"]),
            line=line,
        )


def _data_path() -> Path:
    from peft_why.kb.paths import data_file

    return data_file("catalogue.json.gz")


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> Catalogue:
    """The shipped catalogue (or the one at ``path``), read once per process.

    A missing or unreadable file gives an empty catalogue: lookups then find nothing, and the
    rest of peft-why works as before.
    """
    target = Path(path) if path else _data_path()
    try:
        document = json.loads(gzip.decompress(target.read_bytes()).decode("utf-8"))
    except (OSError, ValueError):
        return Catalogue({}, [])
    return Catalogue.from_document(document)


# ---------------------------------------------------------------------------------------------
# Lookup


def catalogue_hits(
    text_or_lines: str | Iterable[str],
    catalogue: Catalogue | None = None,
) -> list[SourceAnswer]:
    """The catalogue messages a paste shows, most specific first.

    A hit whose span lies inside the span of a more specific hit is dropped (the generic template
    "{…} not found" yields to "Target modules {…} not found in the base model"). The source lines
    that a traceback prints under ``File "…", line N`` are not searched: a ``raise`` shown there
    holds the template itself, not the message (unless it reads ``Name: …``, an indented error line).
    """
    book = catalogue if catalogue is not None else load_catalogue()
    lines = text_or_lines.splitlines() if isinstance(text_or_lines, str) else [str(x) for x in text_or_lines]
    if not lines or not book.index:
        return []
    lines = [
        "" if n and line[:1].isspace() and _FRAME.match(lines[n - 1]) and not _RAISED.match(line) else line
        for n, line in enumerate(lines)
    ]
    where: dict[str, list[int]] = {}
    for number, line in enumerate(lines):
        for word in set(_WORD.findall(line)):
            where.setdefault(word, []).append(number)
    tokens = where.keys()
    found: list[tuple[int, int, int, int]] = []  # (record, line, start, end), span in joined-line coordinates
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for word in tokens:
        for n in book.index.get(word, ()):
            if not book.words(n) <= tokens:
                continue
            hit = _search(book, n, lines, offsets, where, word)
            if hit is not None:
                found.append(hit)
    return [
        book.answer(n, line + 1, lines[line][: start - offsets[line]])
        for n, line, start, _ in _most_specific(book, found)
    ]


def _search(
    book: Catalogue, n: int, lines: list[str], offsets: list[int], where: dict[str, list[int]], anchor: str
) -> tuple[int, int, int, int] | None:
    """The last match of record ``n`` in windows around the lines holding its rare word.

    One match per record is enough (a message repeated in a log is one answer), and the last one
    is the error that ended the run; searching from the end stops at the first found.
    """
    words = book.words(n)
    for at in reversed(where[anchor]):
        low = max(0, at - WINDOW_BEFORE)
        high = min(len(lines), at + WINDOW_AFTER + 1)
        # every literal word must occur in the window (a sorted line list each: two bisections)
        if not all(bisect_left(where[w], high) > bisect_left(where[w], low) for w in words):
            continue
        window = "\n".join(lines[low:high])
        try:
            match = book.pattern(n).search(window, timeout=SEARCH_TIMEOUT)
        except TimeoutError:
            continue
        if match is not None:
            line = low + window.count("\n", 0, match.start())
            return (n, line, offsets[low] + match.start(), offsets[low] + match.end())
    return None


def _most_specific(book: Catalogue, found: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    ranked = sorted(found, key=lambda h: (-int(book.records[h[0]]["lit"]), book.records[h[0]]["id"], h[2]))
    kept: list[tuple[int, int, int, int]] = []
    for hit in ranked:
        literal = int(book.records[hit[0]]["lit"])
        inside = any(k[2] <= hit[2] and hit[3] <= k[3] and int(book.records[k[0]]["lit"]) > literal for k in kept)
        duplicate = any(k[0] == hit[0] for k in kept)
        if not inside and not duplicate:
            kept.append(hit)
    return kept


def source_answer(source_id: str, catalogue: Catalogue | None = None) -> SourceAnswer:
    """The catalogue message with this id.

    Raises:
        UnknownSourceId: no message has this id.
    """
    book = catalogue if catalogue is not None else load_catalogue()
    if source_id not in book.by_id:
        raise UnknownSourceId(source_id)
    return book.answer(book.by_id[source_id])


# ---------------------------------------------------------------------------------------------
# Versions and rendering


def _version(text: str) -> tuple[int, ...]:
    """The release numbers (at most three) by the one version parser; () when ``text`` has none."""
    from .version import parse_version

    parsed = parse_version(text)
    return parsed.release[:3] if parsed is not None else ()


def version_verdict(
    answer: SourceAnswer,
    installed: str | None,
    catalogue: Catalogue | None = None,
) -> VersionVerdict:
    """Whether the user's release of the package has this message, in the sampling's own terms.

    ``first``/``last`` are sampled releases, so a version between the last release without the
    message and the first with it (or after the last with it and before the next read) is "cannot
    tell" rather than a guess. Where one release per minor was read, versions compare by minor:
    4.38.0 counts as the 4.38.2 that was read.
    """
    package = answer.package
    span = f"{package} {answer.first} … {answer.last}"
    if not installed or not _version(installed):
        return VersionVerdict(None, f"present in {span} (releases read); your {package} version is unknown")
    book = catalogue if catalogue is not None else load_catalogue()
    depth = 2 if book.sampling.get(package) == "per-minor" else 3

    def key(text: str) -> tuple[int, ...]:
        return _version(text)[:depth]

    read = sorted(book.releases.get(package, []), key=key)
    have, first, last = key(installed), key(answer.first), key(answer.last)
    if first <= have <= last:
        return VersionVerdict(True, f"you are on {package} {installed}, which has this message ({span})")
    if have < first:
        before = [v for v in read if key(v) < first]
        if not before:
            return VersionVerdict(None, f"first seen in {package} {answer.first}, the oldest release read")
        if have <= key(before[-1]):
            return VersionVerdict(
                False, f"added in {package} {answer.first} (absent from {before[-1]}); you are on {installed}"
            )
        return VersionVerdict(None, f"added between {package} {before[-1]} and {answer.first}; you are on {installed}")
    after = [v for v in read if key(v) > last]
    if not after:
        return VersionVerdict(
            None, f"present up to {package} {answer.last}, the newest release read; you are on {installed}"
        )
    if have >= key(after[0]):
        return VersionVerdict(
            False,
            f"removed in {package} {after[0]} (last seen in {answer.last}); you are on {installed}, "
            "a newer release: this message comes from an older one",
        )
    return VersionVerdict(None, f"removed between {package} {answer.last} and {after[0]}; you are on {installed}")


def render_source(
    source_id: str,
    catalogue: Catalogue | None = None,
    installed: str | None = None,
) -> str:
    """Plain-text explanation of one catalogue message (for an ``explain src:…`` command).

    Raises:
        UnknownSourceId: no message has this id.
    """
    book = catalogue if catalogue is not None else load_catalogue()
    answer = source_answer(source_id, book)
    record = book.records[book.by_id[source_id]]
    sampling = book.sampling.get(answer.package, "")
    lines = [
        f"{answer.id}  ({answer.package})",
        f"  {answer.exception}: {answer.message}",
        f"  present in {answer.package} {answer.first} … {answer.last}"
        + (f" (releases read: {sampling})" if sampling else ""),
        "  emitted at:",
    ]
    for kind, exception, file, function, condition, first, last in record["sites"]:
        verb = {"raise": "raises", "warn": "warns", "log": "logs"}.get(kind, kind)
        lines.append(f"    {file} in {function} ({verb} {exception}; {first} … {last})")
        if condition:
            lines.append(f"      when: {condition}")
    if installed is not None:
        lines.append(f"  your version: {version_verdict(answer, installed, book).text}")
    return "\n".join(lines)
