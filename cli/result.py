"""The match result: the data `peft-why match` prints for one input, before any renderer sees it.

The JSON Lines object is a frozen contract (schema_version 1): later releases
may add fields, never change these.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from peft_why.matcher.types import Diagnosis
from peft_why.redact import redact

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class MatchResult:
    """What ``match`` found for one input."""

    source: str
    status: str  # "matched" | "no-match" | "error"
    diagnoses: tuple[Diagnosis, ...] = ()
    error: str | None = None
    trace: dict[str, Any] | None = field(default=None, compare=False)
    verification: dict[str, Any] | None = field(default=None, compare=False)
    # Answers from the source (matcher/source.py): library messages the paste shows, beside the
    # curated ``matches`` -- never counted in ``status`` or the exit code.
    source_answers: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "status": self.status,
            "error": self.error,
            "matches": [d.to_dict() for d in self.diagnoses],
            "source_answers": list(self.source_answers),
        }
        if self.trace is not None:
            data["trace"] = self.trace
        if self.verification is not None:
            data["verification"] = self.verification
        return data


def redacted_diagnosis(diagnosis: Diagnosis) -> Diagnosis:
    """The diagnosis with each evidence line and its finding redacted: both may quote the paste."""
    evidence = tuple(dataclasses.replace(item, detail=redact(item.detail)) for item in diagnosis.evidence)
    finding = redact(diagnosis.finding) if diagnosis.finding is not None else None
    return dataclasses.replace(diagnosis, evidence=evidence, finding=finding)


def exit_code(results: list[MatchResult], usage_error: bool = False) -> int:
    """2 on any error, else 0 if anything matched, else 1 (documented in ``--help``)."""
    if usage_error or any(r.status == "error" for r in results):
        return 2
    return 0 if any(r.status == "matched" for r in results) else 1
