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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .catalogue import SourceAnswer, catalogue_hits, load_catalogue, version_verdict
from .parse import parse
from .regex_stage import EXCEPTION_HIT, regex_candidates
from .trace import Trace
from .types import Candidate

if TYPE_CHECKING:
    from .index import KbIndex

# Literal characters (placeholders and spaces left out) a template needs to stand on its own.
# Tuned on the catalogue itself (scripts/tune_source_guard.py): below this, a template's filled
# pastes are matched by other templates' pastes too often; above it, almost never. A shorter
# template still counts when the traceback shows a frame of its package.
MIN_SPECIFICITY = 30
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


def stands_alone(answer: SourceAnswer, trace: Trace) -> bool:
    """A hit counts when its template is specific enough, or the traceback runs through its package."""
    if answer.specificity >= MIN_SPECIFICITY:
        return True
    frames = [f for block in trace.exceptions for f in block.frames] + list(trace.unfinished_frames)
    return any(frame.package == answer.package or f"/{answer.package}/" in frame.path for frame in frames)


def source_answers(trace: Trace) -> list[SourceAnswer]:
    """Catalogue messages on the paste's error and warning lines, most specific first, generic ones guarded."""
    numbered = paste_lines(trace)
    hits = catalogue_hits([text for text, _ in numbered])
    placed = [
        dataclasses.replace(hit, line=numbered[hit.line - 1][1] if 0 < hit.line <= len(numbered) else hit.line)
        for hit in hits
    ]
    return [answer for answer in placed if stands_alone(answer, trace)]


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


def filled_lines(template: str, exception: str, kind: str) -> list[str]:
    """The message as a paste would show it, once per ``LINK_FILLS`` value in every placeholder."""
    from .catalogue import PLACEHOLDER

    out = []
    for value in LINK_FILLS:
        text = " ".join(template.replace(PLACEHOLDER, value).split())
        out.append(text if kind == "log" else f"{exception}: {text}")
    return out


def pattern_links(answer_id: str, index: KbIndex) -> tuple[str, ...]:
    """Entries whose own symptom pattern matches this catalogue message (placeholders filled) on the
    exception line itself: the pattern is about this very message, whatever value the run printed."""
    key = (id(index), answer_id)
    cached = _LINKS.get(key)
    if cached is not None and cached[0] is index:
        return cached[1]
    links = _pattern_links(answer_id, index)
    _LINKS[key] = (index, links)
    return links


# (id of the KB index, catalogue id) -> (that index, its pattern links): a KB index is built once per
# process and KB set, and a message's links depend on nothing else.
_LINKS: dict[tuple[int, str], tuple[KbIndex, tuple[str, ...]]] = {}


def _pattern_links(answer_id: str, index: KbIndex) -> tuple[str, ...]:
    book = load_catalogue()
    n = book.by_id.get(answer_id)
    if n is None:
        return ()
    record = book.records[n]
    found: set[str] = set()
    for kind, exception, *_rest in record["sites"]:
        for line in filled_lines(str(record["t"]), str(exception), str(kind)):
            for candidate in regex_candidates(parse(line), (), plan=index.regex_plan):
                if candidate.score >= EXCEPTION_HIT:
                    found.add(candidate.entry_id)
    return tuple(sorted(found))


def linked_entries(answer_id: str, index: KbIndex) -> tuple[str, ...]:
    """Curated entries that explain this catalogue message: explicit links, then pattern links."""
    explicit = explicit_links(index).get(answer_id, ())
    return tuple(dict.fromkeys([*explicit, *pattern_links(answer_id, index)]))


def source_findings(
    trace: Trace,
    index: KbIndex,
    versions: Mapping[str, str] | None = None,
) -> list[SourceFinding]:
    """Each source answer with its version note (the user's versions, else the paste's) and its links."""
    known = {**trace.versions, **(versions or {})}
    found = []
    for answer in source_answers(trace):
        installed = known.get(answer.package)
        note = version_verdict(answer, installed).text if installed else None
        found.append(SourceFinding(answer, note, linked_entries(answer.id, index)))
    return found


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
    no exception (a warning or a logged line is then the whole story)."""
    if not findings:
        return False
    if not trace.exceptions:
        return True
    error_lines = {block.line + n for block in trace.exceptions for n in range(block.headline.count("\n") + 1)}
    return any(f.answer.line in error_lines for f in findings)


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
