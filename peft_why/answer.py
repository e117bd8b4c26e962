"""The diagnosis block as plain data: one builder for the hook and the CLI's text answer.

``answer_parts`` turns ranked diagnoses and their entries into a list of ``Part`` (a kind, an
optional label, the text). Drawing is the caller's: the hook writes the parts as plain lines
(ANSI colour at most, ``peft_why._render``), the CLI through rich (``cli.render``), which wraps
prose to the terminal and prints ``code`` parts whole. Both therefore show the same lines in
the same order: the finding under the title, the fix's code, a differential list of close
candidates of one family. Standard library only: the hook path must not import rich, pydantic
or yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peft_why.kb.model import Entry
    from peft_why.matcher.types import Diagnosis

__all__ = ["CLOSE_RUNNER_UP", "Part", "answer_parts", "close_family", "verify_command"]

# A runner-up within this distance of the best score is worth naming (and, in the same family, telling apart).
CLOSE_RUNNER_UP = 0.1
# Placeholders in the verify command: the user fills in their own base model and adapter folder.
MODEL_PLACEHOLDER = "BASE_MODEL"
ADAPTER_PLACEHOLDER = "ADAPTER_DIR"


@dataclass(frozen=True)
class Part:
    """One line of the answer.

    ``kind`` says how to draw it: ``title``, ``meta`` (id, confidence, score), ``finding``,
    ``why``, ``fix``, ``code`` (never wrapped or cropped), ``differential`` (the heading of the
    close candidates), ``member`` (one of them), ``tell`` (its distinguishing observation),
    ``matched`` (evidence), ``more``, ``runner-up``, ``runner-up-finding``, ``also``, ``blank``.
    ``label`` is the lead word a renderer may style apart ("Fix: "); ``language`` is the code's.
    """

    kind: str
    text: str = ""
    label: str = ""
    language: str = ""


def verify_command(entry_id: str) -> str:
    """The command that runs an entry's check on the user's model (placeholders to fill in)."""
    return f"peft-why verify {entry_id} --model {MODEL_PLACEHOLDER} --adapter {ADAPTER_PLACEHOLDER}"


def close_family(diagnoses: Sequence[Diagnosis], entries: Mapping[str, Entry]) -> list[Diagnosis]:
    """The best diagnosis and the close ones of its ``family``, best first; [] when it stands alone.

    The matcher decides who is close (``matcher.fuse.with_distinctions`` sets ``distinguish`` on the
    best and on the family members within ``CLOSE`` of it); this only reads that mark, so the CLI,
    the hook and the JSON never disagree on it. Entries of one family present alike: the user must
    look (``distinguish``) or run the checks.
    """
    del entries  # the mark is on the diagnoses; kept for the renderers' call shape
    if not diagnoses or diagnoses[0].distinguish is None:
        return []
    members = [d for d in diagnoses if d.distinguish is not None]
    return members if len(members) > 1 else []


def answer_parts(
    diagnoses: Sequence[Diagnosis],
    entries: Mapping[str, Entry],
    *,
    full: bool = True,
    docs_link: str | None = None,
) -> list[Part]:
    """The answer for ranked diagnoses (best first, at least one), line by line.

    Args:
        diagnoses: the matcher's ranking.
        entries: the entries by id (a diagnosis whose entry is missing still gets its title).
        full: the CLI's answer; False is the hook's shorter block under a traceback (no root
            cause, no evidence, no distant alternatives): the traceback is already long.
        docs_link: the best entry's page on the docs site, when one is configured.
    """
    best = diagnoses[0]
    entry = entries.get(best.id)
    parts = [
        Part("title", best.title),
        Part("meta", f"{best.confidence} confidence ({best.score:.2f})", f"id {best.id}  ·  "),
    ]
    if best.finding:
        parts.append(Part("finding", best.finding, "Finding: "))
    parts.append(Part("blank"))
    members = close_family(diagnoses, entries)
    if members:
        parts.extend(_differential(members, entries))
    if entry is not None:
        if full:
            parts += [Part("why", entry.root_cause, "Why: "), Part("blank")]
        parts.append(Part("fix", entry.fix.summary, "Fix: "))
        if entry.fix.snippet.strip():
            parts += [
                Part("blank"),
                *(Part("code", line, language="python") for line in _code_lines(entry.fix.snippet)),
            ]
        parts.append(Part("blank"))
    if full:
        for item in best.evidence[:3]:
            if item.stage == "version" and item.detail == best.finding:
                continue  # already the finding line
            where = f" (line {item.line})" if item.line else ""
            parts.append(Part("matched", f"{item.stage}: {item.detail}{where}", "Why matched: "))
    parts.append(Part("more", f"peft-why explain {best.id}" + (f"  ·  {docs_link}" if docs_link else ""), "More: "))
    shown = {d.id for d in members}
    for other in diagnoses[1:] if full else diagnoses[1:2]:
        if other.id in shown:
            continue
        if best.score - other.score <= CLOSE_RUNNER_UP:
            parts.append(Part("runner-up", f"{other.title} ({other.id}, {other.score:.2f})", "Runner-up: "))
            if other.finding:
                parts.append(Part("runner-up-finding", other.finding, "Finding: "))
        elif full:
            parts.append(Part("also", f"{other.title} ({other.id}, {other.score:.2f})", "Also possible: "))
    return parts


def _differential(members: Sequence[Diagnosis], entries: Mapping[str, Entry]) -> list[Part]:
    """Close candidates of one family: each with what tells it apart and the command that checks it."""
    family = entries[members[0].id].family
    parts = [Part("differential", f"these {len(members)} present alike ({family}); tell them apart:", "Close call: ")]
    for diagnosis in members:
        entry = entries[diagnosis.id]
        parts.append(Part("member", f"{diagnosis.title} ({diagnosis.score:.2f})", f"{diagnosis.id}: "))
        if entry.distinguish:
            parts.append(Part("tell", entry.distinguish, "Look: "))
        if diagnosis.finding and diagnosis is not members[0]:
            parts.append(Part("tell", diagnosis.finding, "Finding: "))
        if entry.verify:
            parts.append(Part("code", verify_command(diagnosis.id), language="bash"))
    parts.append(Part("blank"))
    return parts


def _code_lines(code: str) -> list[str]:
    """The snippet's lines as written (trailing blank lines dropped)."""
    return code.rstrip().split("\n")
