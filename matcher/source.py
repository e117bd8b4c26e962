"""Answers from the source: the catalogue path of a diagnosis, taken only when no curated pattern fires.

A paste whose error or warning line is a catalogued library message gets a *source answer* (where
the library raises it, under which condition, in which releases) beside the curated ``matches``.
A catalogue message an entry is linked to -- explicitly (``messages[].catalogue``) or because the
entry's own symptom pattern matches the message's text with its placeholders filled -- makes that
entry the match, with ``catalogue`` evidence.

Kept out of ``diagnose``'s import graph: ``matcher.catalogue`` (a 1 MB gzip read) loads only when
this path runs, never for a paste a curated pattern settles.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import regex_stage
from .catalogue import PLACEHOLDER, SEARCH_TIMEOUT, SourceAnswer, catalogue_hits, load_catalogue, version_verdict
from .prepared import as_prepared
from .regex_stage import EXCEPTION_HIT
from .trace import ExceptionBlock, Trace, WarningLine
from .types import Candidate

if TYPE_CHECKING:
    from .index import KbIndex
    from .prepared import Prepared

# Literal characters (placeholders and spaces left out) a template needs to stand on its own.
# Tuned on the catalogue itself, leave-one-out (scripts/tune_source_guard.py, seed 15): of 2,843
# pasted messages, 58 get a generic template as a stray answer when their own template is left out;
# a bar at 20 / 25 / 30 keeps 44 / 36 / 34 of them and loses 34 / 82 / 146 right first hits. 25 is
# the knee, and it stops "'{…}' object has no attribute '{…}'" (24). A shorter template still counts
# when the traceback shows a frame of its package.
MIN_SPECIFICITY = 25
# Values tried for every placeholder when linking a message to an entry by the entry's own
# pattern: a module name, a set of names, a number, a class, a dtype (the shapes values take).
LINK_FILLS: tuple[str, ...] = ("q_proj", "{'q_proj', 'v_proj'}", "16", "LlamaForCausalLM", "torch.float16")
CATALOGUE_STAGE = "catalogue"
CATALOGUE_HIT = 1.0


@dataclass(frozen=True)
class SourceFinding:
    """A source answer for one paste: the catalogue message, the user's version note, linked entries."""

    answer: SourceAnswer
    version_note: str | None = None
    linked: tuple[str, ...] = ()
    # False for a generic template with no frame of its package (``stands_alone``) that is not the
    # whole message naming code (``names_identifier``): not shown, and it links no entry; it still
    # marks a one-line paste as a library message when it is that whole message.
    shown: bool = True
    whole: bool = False  # the template matches the whole error or warning message on its line

    def to_dict(self) -> dict[str, Any]:
        data = self.answer.to_dict()
        data["version_note"] = self.version_note
        data["linked_entries"] = list(self.linked)
        return data


def paste_lines(trace: Trace) -> list[tuple[str, int]]:
    """The paste's error and warning lines with their original line numbers (the whole text when none)."""
    found: list[tuple[str, int]] = []
    for block in trace.exceptions:
        found.extend((text, block.line + n) for n, text in enumerate(block.headline.split("\n")))
    for warning in trace.warnings:
        found.extend(
            (text, warning.line + n) for n, text in enumerate(f"{warning.category}: {warning.message}".split("\n"))
        )
    if found:
        return sorted(found, key=lambda item: item[1])
    return [(text, trace.original_line(n)) for n, text in enumerate(trace.text_lines)]


def has_frames(trace: Trace) -> bool:
    """Whether the paste shows any stack frame (a traceback, not just an error line)."""
    return bool(trace.unfinished_frames) or any(block.frames for block in trace.exceptions)


def stands_alone(answer: SourceAnswer, trace: Trace) -> bool:
    """A hit counts when its template is specific enough, or the traceback runs through its package."""
    if answer.specificity >= MIN_SPECIFICITY:
        return True
    frames = [f for block in trace.exceptions for f in block.frames] + list(trace.unfinished_frames)
    return any(frame.package == answer.package or f"/{answer.package}/" in frame.path for frame in frames)


def source_answers(trace: Trace, *, guarded: bool = True) -> list[SourceAnswer]:
    """Catalogue messages on the paste's error and warning lines, most specific first; ``guarded``:
    without the generic ones that do not stand alone."""
    numbered = paste_lines(trace)
    hits = catalogue_hits([text for text, _ in numbered])
    placed = [
        dataclasses.replace(hit, line=numbered[hit.line - 1][1] if 0 < hit.line <= len(numbered) else hit.line)
        for hit in hits
    ]
    return placed if not guarded else [answer for answer in placed if stands_alone(answer, trace)]


def explicit_links(index: KbIndex) -> dict[str, tuple[str, ...]]:
    """Catalogue id -> ids of the entries whose ``messages:`` name it."""
    links: dict[str, list[str]] = {}
    for entry_id in sorted(index.entries):
        entry = index.entries[entry_id]
        if entry.is_retired:
            continue
        for message in entry.messages:
            if message.catalogue and entry_id not in links.get(message.catalogue, []):
                links.setdefault(message.catalogue, []).append(entry_id)
    return {key: tuple(value) for key, value in links.items()}


def pattern_links(answer_id: str, index: KbIndex | Prepared) -> tuple[str, ...]:
    """Entries whose own symptom pattern matches this catalogue message (placeholders filled) on the
    exception line itself: the pattern is about this very message, whatever value the run printed.

    Memoised on the prepared bundle (a message's links depend on the KB alone), with its regex plan.
    """
    prepared = as_prepared(index)
    memo = prepared.memo.setdefault("pattern_links", {})
    if answer_id not in memo:
        memo[answer_id] = _pattern_links(answer_id, prepared.regex)
    links: tuple[str, ...] = memo[answer_id]
    return links


def _pattern_links(answer_id: str, plan: regex_stage.RegexPlan) -> tuple[str, ...]:
    book = load_catalogue()
    n = book.by_id.get(answer_id)
    if n is None:
        return ()
    record = book.records[n]
    found: set[str] = set()
    messages = [" ".join(str(record["t"]).replace(PLACEHOLDER, value).split()) for value in LINK_FILLS]
    seen = " ".join(messages).lower()
    # the patterns whose required literal occurs in some filling (one pass over the plan, not five)
    plan = regex_stage.RegexPlan(tuple(item for item in plan.rules if item[0] is None or item[0] in seen))
    for kind, exception in sorted({(str(site[0]), str(site[1])) for site in record["sites"]}):
        for message in messages:
            for candidate in regex_stage.candidates(message_trace(message, exception, kind), plan):
                if candidate.score >= EXCEPTION_HIT:
                    found.add(candidate.entry_id)
    return tuple(sorted(found))


def message_trace(message: str, exception: str, kind: str) -> Trace:
    """The trace a paste of just this message parses to (built directly: parsing 14,000 lines costs)."""
    if kind == "raise":
        line = f"{exception}: {message}"
        block = ExceptionBlock(exception, message, line=1)
        return Trace(raw=line, text=line, normalised=line, exceptions=(block,), line_map=(1,))
    category = exception if kind == "warn" else "warning"
    return Trace(
        raw=message, text=message, normalised=message, warnings=(WarningLine(category, message, 1),), line_map=(1,)
    )


def linked_entries(answer_id: str, index: KbIndex | Prepared) -> tuple[str, ...]:
    """Curated entries that explain this catalogue message: explicit links, then pattern links."""
    explicit = explicit_links(as_prepared(index).index).get(answer_id, ())
    return tuple(dict.fromkeys([*explicit, *pattern_links(answer_id, index)]))


def source_findings(
    trace: Trace,
    index: KbIndex | Prepared,
    versions: Mapping[str, str] | None = None,
) -> list[SourceFinding]:
    """Each source answer with its version note (the user's versions, else the paste's) and its links."""
    known = {**trace.versions, **(versions or {})}
    found = []
    for answer in source_answers(trace, guarded=False):
        whole = is_whole_message(answer, trace)
        if not (stands_alone(answer, trace) or (whole and names_identifier(answer.message))):
            if whole and not has_frames(trace):
                # A one-line paste of a generic library message: similarity alone must not name an entry.
                # Under a traceback whose frames never enter the package, the message came from elsewhere.
                found.append(SourceFinding(answer, shown=False, whole=True))
            continue
        installed = known.get(answer.package)
        note = version_verdict(answer, installed).text if installed else None
        found.append(SourceFinding(answer, note, linked_entries(answer.id, index), whole=whole))
    return found


_IDENTIFIER = re.compile(r"`[^`]+`|\b\w*[a-z][A-Z]\w*\b|\b[A-Za-z]\w*_\w+\b")


def names_identifier(template: str) -> bool:
    """Whether the template's own text names code (``use_cache``, ``svd_mode``, ``VeLoRA``): a short
    message that does is still one library's, where "Not supported" or "'{…}' object has no attribute
    '{…}'" could be anyone's."""
    return _IDENTIFIER.search(template.replace(PLACEHOLDER, " ")) is not None


def is_whole_message(answer: SourceAnswer, trace: Trace) -> bool:
    """Whether the template matches the whole message of the exception or warning on its line."""
    book = load_catalogue()
    n = book.by_id.get(answer.id)
    if n is None:
        return False
    messages = [b.message for b in trace.exceptions if b.line == answer.line]
    messages += [w.message for w in trace.warnings if w.line == answer.line]
    if not trace.exceptions and not trace.warnings:
        messages = [text for i, text in enumerate(trace.text_lines) if trace.original_line(i) == answer.line]
    whole = _whole_pattern(str(book.records[n]["re"]))
    try:
        return any(whole.fullmatch(m.strip(), timeout=SEARCH_TIMEOUT) for m in messages if m.strip())
    except TimeoutError:
        return False


@functools.lru_cache(maxsize=256)
def _whole_pattern(pattern: str) -> Any:
    """A template's full regex (``Catalogue.pattern`` drops placeholders at the ends: spans differ there)."""
    import regex

    return regex.compile(pattern)


def catalogue_candidates(findings: Sequence[SourceFinding]) -> list[Candidate]:
    """``catalogue`` evidence for every entry linked to a source answer (the most specific answer first)."""
    out: dict[str, Candidate] = {}
    for finding in findings:
        for entry_id in finding.linked:
            if entry_id not in out:
                answer = finding.answer
                detail = f"library message {answer.id} ({answer.package} {answer.file}, {answer.function})"
                out[entry_id] = Candidate(CATALOGUE_STAGE, entry_id, CATALOGUE_HIT, detail, answer.line)
    return list(out.values())


def answers_the_error(findings: Sequence[SourceFinding], trace: Trace) -> bool:
    """Whether a source answer explains the failure: it sits on an exception's line, or the paste has
    no exception (a warning or a logged line is then the whole story). A generic template not shown
    counts when it is the whole message: the line is that library message, whatever else it resembles."""
    counted = [f for f in findings if f.shown or f.whole]
    if not counted:
        return False
    if not trace.exceptions:
        return True
    error_lines = {block.line + n for block in trace.exceptions for n in range(block.headline.count("\n") + 1)}
    return any(f.answer.line in error_lines for f in counted)


def raised_on_final_line(answer: SourceAnswer, trace: Trace) -> bool:
    """Whether the exception that escaped (else the last warning) shows this message's literal text:
    the answer names the raise site of the error itself, not of a line printed on the way."""
    from .catalogue import load_catalogue

    book = load_catalogue()
    n = book.by_id.get(answer.id)
    final = trace.final
    line = final.headline if final is not None else (trace.warnings[-1].message if trace.warnings else "")
    if n is None or not line:
        return False
    return book.pattern(n).search(line) is not None


def source_document(source_id: str, installed: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One catalogue message for ``explain src:…``: the answer, every site, and the version note.

    Raises:
        UnknownSourceId: no message has this id.
    """
    from .catalogue import source_answer

    book = load_catalogue()
    answer = source_answer(source_id, book)
    record = book.records[book.by_id[source_id]]
    version = (installed or {}).get(answer.package)
    data = answer.to_dict()
    del data["line"]
    data["version_note"] = version_verdict(answer, version, book).text if version else None
    data["sampling"] = book.sampling.get(answer.package, "")
    keys = ("kind", "exception", "file", "function", "condition", "first", "last")
    data["sites"] = [dict(zip(keys, site)) for site in record["sites"]]
    return data


def source_markdown(data: Mapping[str, Any]) -> str:
    """``source_document`` as Markdown: labelled as the source's answer, not a curated diagnosis."""
    shown = f"{data['exception']}: {data['message']}" if data.get("exception") else str(data["message"])
    lines = [
        f"# `{data['id']}`",
        "",
        "*From the source, not a curated diagnosis.*",
        "",
        "```text",
        shown,
        "```",
        "",
        f"Present in {data['package']} {data['first']} … {data['last']}"
        + (f" (releases read: {data['sampling']})." if data.get("sampling") else "."),
        "",
        "## Where it is emitted",
        "",
    ]
    for site in data["sites"]:
        lines.append(
            f"- `{site['file']}` in `{site['function']}`: {site['kind']} {site['exception']}"
            f" ({site['first']} … {site['last']})" + (f", when `{site['condition']}`" if site["condition"] else "")
        )
    if data.get("version_note"):
        lines += ["", f"**Your version:** {data['version_note']}"]
    return "\n".join(lines) + "\n"


def browser_rules() -> dict[str, Any]:
    """The lookup's patterns and constants as data for the paste page's worker (``docs/hooks/kb_site.py``).

    The records themselves (templates as JavaScript regexes, anchor and solid words, links) ship in
    ``paste/catalogue.json``; these are the rules of the loops that read them.
    """
    from . import catalogue, frames

    return {
        "CAT_WORD": catalogue._WORD,
        "CAT_FRAME": catalogue._FRAME,
        "CAT_RAISED": catalogue._RAISED,
        "SITE_PACKAGES": frames._SITE,
        "KNOWN_PACKAGES": list(frames.KNOWN_PACKAGES),
        "WINDOW_BEFORE": catalogue.WINDOW_BEFORE,
        "WINDOW_AFTER": catalogue.WINDOW_AFTER,
        "MIN_SPECIFICITY": MIN_SPECIFICITY,
        "CATALOGUE_HIT": CATALOGUE_HIT,
    }
