"""Frame stage: a traceback cut off before its error line, read by the frame where it stops.

Users often paste a traceback without its last line: the message scrolled away, a rich panel
copied from the middle, a post cut at the forum's length limit. Nothing is left for the regex,
lexical or fuzzy stages to read, but the innermost frame still says where the error was raised.
Two sources say which errors a library function raises:

- the entries' reproductions (``examples.match``): the frame that raised each one
  (``index.raise_sites``), for any library, torch included;
- the message catalogue: every ``raise`` in the released sources of peft, transformers, trl and
  accelerate, with the entries each message is linked to (``source.linked_entries``).

An entry's vote is the share of the errors raised at that site that are its own: a function
that raises one error names it, one that raises five says little. When the innermost frame's code
line is a call (``self._find_and_replace(...)``), the error came from inside it: the frame the
cut took away, which that call names, is looked up too (``lookups``).

Only for a cut traceback: when the exception line is there, its message is the better
evidence. Only library frames that are not wrappers every failure passes through
(``frames.site_key``): a paste cut at the user's own code says nothing about the raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from .frames import site_key
from .index import KbIndex
from .trace import Frame, Trace
from .types import Candidate

STAGE = "frame"
# The call a frame's code line makes last: ``x = self.base_model._find_and_replace(name)`` -> _find_and_replace
_CALL = re.compile(r"(?:^|[\s=(.,])(?P<name>[A-Za-z_]\w*)\s*\((?!.*\b[A-Za-z_]\w*\s*\()")

MAX_CODE = 400  # characters of a code line searched for its call (one source line; bounds the lookahead)
Links = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class SiteIndex:
    """Raise-site key (``frames.site_key``) -> the entries whose reproductions raise there, sorted."""

    entries_at: Mapping[str, tuple[str, ...]]


def prepare(index: KbIndex) -> SiteIndex:
    """The raise sites of every rankable entry's reproductions, from the index (built once per KB)."""
    at: dict[str, set[str]] = {}
    for entry_id, key, _example in index.raise_sites:
        entry = index.entries.get(entry_id)
        if entry is not None and not entry.is_retired:
            at.setdefault(key, set()).add(entry_id)
    return SiteIndex({key: tuple(sorted(ids)) for key, ids in at.items()})


def candidates(trace: Trace, sites: SiteIndex, links: Links | None = None) -> list[Candidate]:
    """Entries raised where the cut traceback stops; none unless the paste is a cut traceback.

    ``links`` maps a catalogue message id to the entries linked to it; None reads no catalogue.
    """
    if not trace.truncated or not trace.unfinished_frames:
        return []
    innermost = trace.unfinished_frames[-1]
    for frame, catalogue, note in lookups(innermost):
        key = site_key(frame)
        shares = site_shares(key, sites, links if catalogue else None) if key is not None else {}
        if shares:
            return [_candidate(frame, note, entry_id, share) for entry_id, share in shares.items()]
    return []


def lookups(innermost: Frame) -> list[tuple[Frame, bool, str]]:
    """Where to look, in order: ``(frame, read the catalogue too, note for the evidence)``.

    The innermost frame first. The catalogue's raises count there only when its code line is a
    ``raise`` (or not shown): when the line is a call, the error came from inside that call, and
    only a reproduction that surfaced in this very frame (an error from C code) is evidence.
    Then the frame the cut removed, named by that call and looked up in the same file.
    """
    code = innermost.code.strip()[:MAX_CODE]
    raises = not code or code == "raise" or code.startswith(("raise ", "assert "))
    out = [(innermost, raises, "")]
    found = None if raises else _CALL.search(code)
    if found is not None:
        below = replace(innermost, function=found.group("name"), lineno=None, code="")
        out.append((below, True, " (the call its last frame makes)"))
    return out


def site_shares(key: str, sites: SiteIndex, links: Links | None) -> dict[str, float]:
    """Entry -> the share of the errors raised at ``key`` that are its own (sorted by entry id)."""
    errors = errors_raised_in(key) if links is not None else ()
    counts: dict[str, int] = {}
    for templates in errors:
        linked = {entry_id for template in templates for entry_id in links(template)} if links is not None else set()
        for entry_id in linked:
            counts[entry_id] = counts.get(entry_id, 0) + 1
    # a reproduced error the catalogue does not read (torch, or a file it skips) is one more error here
    unread = [entry_id for entry_id in sites.entries_at.get(key, ()) if entry_id not in counts]
    total = len(errors) + len(unread)
    counts.update(dict.fromkeys(unread, 1))
    return {entry_id: round(min(1.0, counts[entry_id] / total), 4) for entry_id in sorted(counts)} if total else {}


def errors_raised_in(key: str) -> tuple[tuple[str, ...], ...]:
    """The distinct errors the libraries' released sources raise at this site (the catalogue), each as
    the ids of its templates (one message reworded across releases is one error).

    Loaded only here: a cut traceback that stops in a library frame.
    """
    from .catalogue import load_catalogue

    errors = load_catalogue().raised_at.get(key, {})
    return tuple(errors[opening] for opening in sorted(errors))


def _candidate(frame: Frame, note: str, entry_id: str, share: float) -> Candidate:
    where = f"{frame.function} ({frame.package}){note}"
    others = "" if share >= 1.0 else f"; {share:.0%} of the errors raised there are this entry's"
    detail = f"the traceback is cut off in {where}, where this entry's error is raised{others}"
    return Candidate(STAGE, entry_id, share, detail, frame.line)
