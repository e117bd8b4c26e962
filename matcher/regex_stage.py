"""Regex stage: the entries' symptom patterns over the raw (decoded, unmasked) paste.

Strong, specific evidence. A ``message`` pattern is tried on each exception's
message first (with the exception type checked when the symptom names types);
only when a paste has no exception line of that type is it tried on any line,
as weaker evidence, so an error quoted inside a sentence still counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from peft_why.kb.patterns import compile_pattern
from peft_why.kb.schema import Entry, Symptom

from .trace import Trace
from .types import Candidate

EXCEPTION_HIT = 1.0
LINE_HIT = 0.85
TRACEBACK_HIT = 0.95


def regex_candidates(trace: Trace, entries: Sequence[Entry]) -> list[Candidate]:
    """One candidate per entry with a symptom hit: its strongest hit, with the line it sits on."""
    out: list[Candidate] = []
    for entry in entries:
        if entry.is_retired:
            continue
        best: Candidate | None = None
        for symptom in entry.symptoms:
            hit = symptom_hit(trace, entry.id, symptom)
            if hit is not None and (best is None or hit.score > best.score):
                best = hit
        if best is not None:
            out.append(best)
    return out


def symptom_hit(trace: Trace, entry_id: str, symptom: Symptom) -> Candidate | None:
    """Where this symptom's pattern matches the paste, scored by how specific the place is."""
    pattern = compile_pattern(symptom.regex)
    if symptom.scope in ("message", "any"):
        for block in reversed(trace.exceptions):
            if symptom.exception and not _type_matches(block.type, symptom.exception):
                continue
            found = pattern.search(block.message) or pattern.search(block.headline)
            if found:
                detail = f"pattern {_short(symptom.regex)} matched the {block.short_type} message"
                return Candidate("regex", entry_id, EXCEPTION_HIT, detail, block.line, found.span())
    if symptom.scope == "warning":
        for warning in trace.warnings:
            found = pattern.search(warning.message)
            if found:
                detail = f"pattern {_short(symptom.regex)} matched a {warning.category}"
                return Candidate("regex", entry_id, EXCEPTION_HIT, detail, warning.line, found.span())
    if symptom.scope == "traceback":
        found = pattern.search(trace.text)
        if found:
            line = trace.original_line(trace.text.count("\n", 0, found.start()))
            detail = f"pattern {_short(symptom.regex)} matched the traceback"
            return Candidate("regex", entry_id, TRACEBACK_HIT, detail, line, found.span())
        return None
    return _line_hit(trace, entry_id, symptom, pattern)


def _line_hit(trace: Trace, entry_id: str, symptom: Symptom, pattern: object) -> Candidate | None:
    """The pattern anywhere in the text: weaker, since nothing confirms it is the error raised."""
    if symptom.exception and any(_type_matches(b.type, symptom.exception) for b in trace.exceptions):
        return None  # the typed exception is there and did not match: don't second-guess it
    for index, line in enumerate(trace.text_lines):
        found = pattern.search(line)  # type: ignore[attr-defined]
        if found:
            detail = f"pattern {_short(symptom.regex)} matched line text"
            return Candidate("regex", entry_id, LINE_HIT, detail, trace.original_line(index), found.span())
    return None


def _type_matches(printed: str, names: Iterable[str]) -> bool:
    short = printed.rsplit(".", 1)[-1]
    return any(name == printed or name == short or name.rsplit(".", 1)[-1] == short for name in names)


def _short(pattern: str, limit: int = 60) -> str:
    return repr(pattern if len(pattern) <= limit else pattern[: limit - 1] + "…")
