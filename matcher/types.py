"""The matcher's results: stage candidates, evidence, and ranked diagnoses.

Plain frozen dataclasses: cheap to import, JSON-ready through ``to_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Evidence stage names are a frozen contract (CLI JSON, docs site, ablation flags).
# Names may be added (never renamed or removed): consumers must tolerate unknown ones.
STAGES: tuple[str, ...] = ("regex", "frame", "lexical", "fuzzy", "symptom", "semantic", "version")
# Evidence may also come from outside the selectable stages: ``catalogue`` (the paste shows a library
# message a curated entry is linked to; matcher/source.py). Consumers must tolerate stage values they
# do not know: this list grows, additively. Order = tie-break priority in ``fuse``.
EVIDENCE_STAGES: tuple[str, ...] = (
    "regex",
    "catalogue",
    "frame",
    "lexical",
    "fuzzy",
    "symptom",
    "semantic",
    "version",
)


@dataclass(frozen=True)
class Candidate:
    """One stage's vote for one entry, with what it saw.

    ``line`` is the 1-based line of the original paste where the evidence sits
    (0 when the evidence is the paste as a whole).
    """

    stage: str
    entry_id: str
    score: float
    detail: str
    line: int = 0
    span: tuple[int, int] | None = None
    # Values a finding template may use: a regex hit's named groups, or the version stage's
    # ``package`` / ``needed`` / ``seen``. Pairs, not a dict, so the candidate stays hashable.
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Why a diagnosis was made: a stage, what it found, where, and how strongly (0..1)."""

    stage: str
    detail: str
    line: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "detail": self.detail, "line": self.line, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Diagnosis:
    """A KB entry that explains the paste, with a score in 0..1 and the evidence behind it.

    ``verification`` is the finding of the entry's check (``Finding.to_dict()``) when it ran on the
    user's model (``match --verify``, ``diagnose_exception(verify=True)``); None otherwise.
    ``finding`` is one line about *this* paste (the entry's ``finding`` template filled from the
    evidence, else the version evidence; ``matcher.finding.finding_for``): what the paste reveals
    (a keyword, module names, versions) must reach the answer, not only the entry's generic text.
    ``distinguish`` is a plain copy of the entry's field: the one observation that tells it apart
    from the other members of its ``family``.
    """

    id: str
    title: str
    score: float
    confidence: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    verification: dict[str, Any] | None = field(default=None, compare=False)
    finding: str | None = field(default=None, compare=False)
    # Set when close candidates share a symptom family: the one observation that tells this one apart.
    distinguish: str | None = field(default=None, compare=False)
    # The entry's one-line fix, carried so a renderer need not look the entry up again; not in the
    # JSON contract ("" when the diagnosis was made without its entry at hand).
    fix: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 4),
            "confidence": self.confidence,
            "evidence": [item.to_dict() for item in self.evidence],
            "finding": self.finding,  # additive (schema_version 1): string or null
            "distinguish": self.distinguish,
        }
        if self.verification is not None:  # additive: present only when a check ran
            data["verification"] = self.verification
        return data
