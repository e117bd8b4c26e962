"""Regex stage: the entries' symptom patterns over the raw (decoded, unmasked) paste.

Strong, specific evidence. A ``message`` pattern is tried on each exception's
message first (with the exception type checked when the symptom names types);
only when a paste has no exception line of that type is it tried on any line,
as weaker evidence, so an error quoted inside a sentence still counts.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from peft_why.kb.patterns import compile_pattern, split_flags, stdlib_tree

from .trace import Trace
from .types import Candidate

if TYPE_CHECKING:
    from peft_why.kb.model import Entry, Symptom

EXCEPTION_HIT = 1.0
LINE_HIT = 0.85
TRACEBACK_HIT = 0.95


MIN_LITERAL = 4


@dataclass(frozen=True)
class RegexPlan:
    """The regex stage's prepared rules: ``(required literal, entry, symptom)`` per active symptom, in id order."""

    rules: tuple[tuple[str | None, Entry, Symptom], ...]

    def literals(self) -> dict[str, str | None]:
        """Each pattern's required literal, JSON-ready (the compiled KB cache keeps it)."""
        return {symptom.regex: literal for literal, _entry, symptom in self.rules}


def prepare(entries: Iterable[Entry], literals: Mapping[str, str | None] | None = None) -> RegexPlan:
    """The plan for ``entries`` (retired ones skipped), built once per KB.

    ``literals`` are required literals computed earlier (the compiled KB cache), so start-up
    does not parse every pattern; a pattern they lack is parsed here.
    """
    known = literals or {}
    return RegexPlan(
        tuple(
            (known[symptom.regex] if symptom.regex in known else required_literal(symptom.regex), entry, symptom)
            for entry in sorted(entries, key=lambda e: e.id)
            if not entry.is_retired
            for symptom in entry.symptoms
        )
    )


def candidates(trace: Trace, plan: RegexPlan, *, deadline: float | None = None) -> list[Candidate]:
    """One candidate per entry with a symptom hit: its strongest hit, with the line it sits on.

    ``deadline`` (a ``time.monotonic()`` value) is one budget for the whole paste, not
    per pattern: every search gets what is left of it, and once it is spent the stage
    returns the hits found so far. A pattern that backtracks on a hostile paste can
    therefore cost at most the budget.

    Prefiltered: a pattern is compiled and run only when its longest required
    literal occurs in the paste (case-insensitively), so cost does not grow with
    every pattern in the KB.
    """
    lowered = trace.text.lower()
    best: dict[str, Candidate] = {}
    for literal, entry, symptom in plan.rules:
        if literal is not None and literal not in lowered:
            continue
        try:
            hit = symptom_hit(trace, entry.id, symptom, deadline=deadline)
        except TimeoutError:
            break  # the paste's regex budget is spent: keep what was found
        if hit is not None and (entry.id not in best or hit.score > best[entry.id].score):
            best[entry.id] = hit
    return list(best.values())


def regex_candidates(trace: Trace, entries: Sequence[Entry], *, deadline: float | None = None) -> list[Candidate]:
    """``candidates`` over a plan prepared from ``entries`` on the spot (for one-off calls and tests)."""
    return candidates(trace, prepare(entries), deadline=deadline)


@functools.lru_cache(maxsize=65536)
def required_literal(pattern: str) -> str | None:
    """The longest run of plain characters every match must contain, lower-cased, or None.

    Read from CPython's regex parser: only top-level literals count (anything
    inside a group, class, alternation or repeat may vary), so a paste without
    the literal cannot match. None when no run of ``MIN_LITERAL`` characters is certain.
    Memoised: pure, and a KB's patterns are parsed again each time a plan is prepared.
    """
    _flags, body = split_flags(pattern)
    tree = stdlib_tree(body)
    if tree is None:
        return None
    best, run = "", []
    for op, arg in [*list(tree), (None, None)]:
        if str(op) == "LITERAL":
            run.append(chr(arg))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    return best.lower() if len(best) >= MIN_LITERAL else None


def _searcher(pattern: Any, deadline: float | None) -> Callable[[str], Any]:
    """``pattern.search`` bounded by what is left of ``deadline``; raises TimeoutError once it is spent."""
    if deadline is None:
        return pattern.search  # type: ignore[no-any-return]

    def search(text: str) -> Any:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("regex budget spent")
        return pattern.search(text, timeout=left)

    return search


def symptom_hit(trace: Trace, entry_id: str, symptom: Symptom, *, deadline: float | None = None) -> Candidate | None:
    """Where this symptom's pattern matches the paste, scored by how specific the place is."""
    search = _searcher(compile_pattern(symptom.regex), deadline)
    if symptom.scope in ("message", "any"):
        for block in reversed(trace.exceptions):
            if symptom.exception and not _type_matches(block.type, symptom.exception):
                continue
            found = search(block.message) or search(block.headline)
            if found:
                detail = f"pattern {_short(symptom.regex)} matched the {block.short_type} message"
                return Candidate("regex", entry_id, EXCEPTION_HIT, detail, block.line, found.span(), _values(found))
    if symptom.scope == "warning":
        for warning in trace.warnings:
            found = search(warning.message)
            if found:
                detail = f"pattern {_short(symptom.regex)} matched a {warning.category}"
                return Candidate("regex", entry_id, EXCEPTION_HIT, detail, warning.line, found.span(), _values(found))
    if symptom.scope == "traceback":
        found = search(trace.text)
        if found:
            line = trace.original_line(trace.text.count("\n", 0, found.start()))
            detail = f"pattern {_short(symptom.regex)} matched the traceback"
            return Candidate("regex", entry_id, TRACEBACK_HIT, detail, line, found.span(), _values(found))
        return None
    return _line_hit(trace, entry_id, symptom, search)


def _line_hit(trace: Trace, entry_id: str, symptom: Symptom, search: Callable[[str], Any]) -> Candidate | None:
    """The pattern anywhere in the text: weaker, since nothing confirms it is the error raised."""
    if symptom.exception and any(_type_matches(b.type, symptom.exception) for b in trace.exceptions):
        return None  # the typed exception is there and did not match: don't second-guess it
    for index, line in enumerate(trace.text_lines):
        found = search(line)
        if found:
            detail = f"pattern {_short(symptom.regex)} matched line text"
            return Candidate(
                "regex", entry_id, LINE_HIT, detail, trace.original_line(index), found.span(), _values(found)
            )
    return None


def _values(found: Any) -> tuple[tuple[str, str], ...]:
    """The hit's named groups that took part in the match: the values of the entry's finding template."""
    return tuple((name, value) for name, value in sorted(found.groupdict().items()) if value)


def _type_matches(printed: str, names: Iterable[str]) -> bool:
    short = printed.rsplit(".", 1)[-1]
    return any(name in (printed, short) or name.rsplit(".", 1)[-1] == short for name in names)


def _short(pattern: str, limit: int = 60) -> str:
    return repr(pattern if len(pattern) <= limit else pattern[: limit - 1] + "…")
