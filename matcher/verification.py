"""Differential verification: which candidates to check, and the ranking once their checks answered.

A paste often fits several entries about equally well ("the results differ after loading"). Running
the checks of every candidate within reach of the best on the user's model tells them apart: a
confirmed fault goes first, a not-confirmed one is demoted (its finding says why), and a check that
could not tell (not-applicable, error) leaves its entry where the matcher put it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .types import Diagnosis

# Candidates within reach of the best: this many from the top (all above the abstention line).
WITHIN_REACH = 3
# Rank of a verdict in the re-ranked answer; an entry without a finding counts as "cannot tell".
VERDICT_ORDER = {"confirmed": 0, "not-applicable": 1, "error": 1, "not-confirmed": 2}
UNVERIFIED = 1


def within_reach(
    diagnoses: Sequence[Diagnosis], family_of: Callable[[str], str | None] | None = None
) -> list[Diagnosis]:
    """The candidates worth verifying: the top ``WITHIN_REACH``, plus any lower one of the best's family.

    ``family_of`` maps an entry id to its symptom family (None when it has none); with no family
    anywhere this is just the top three.
    """
    chosen = list(diagnoses[:WITHIN_REACH])
    family = family_of(diagnoses[0].id) if diagnoses and family_of is not None else None
    if family and family_of is not None:
        chosen += [d for d in diagnoses[WITHIN_REACH:] if family_of(d.id) == family]
    return chosen


def family_lookup(entries: Sequence[Any]) -> Callable[[str], str | None]:
    """Entry id → its ``family`` field, for KBs whose entries have one (None otherwise)."""
    families = {entry.id: getattr(entry, "family", None) for entry in entries}
    return lambda entry_id: families.get(entry_id) or None


def with_verification(diagnoses: Sequence[Diagnosis], findings: Mapping[str, Mapping[str, Any]]) -> list[Diagnosis]:
    """Attach each finding (``Finding.to_dict()``) to its diagnosis and re-rank by verdict.

    Confirmed first, then the entries whose check could not tell (or did not run) in their original
    order, then the not-confirmed ones. Scores are left as the matcher gave them.
    """
    attached = [replace(d, verification=dict(findings[d.id])) if d.id in findings else d for d in diagnoses]
    order = {id(d): index for index, d in enumerate(attached)}
    return sorted(attached, key=lambda d: (_verdict_rank(d), order[id(d)]))


def _verdict_rank(diagnosis: Diagnosis) -> int:
    if diagnosis.verification is None:
        return UNVERIFIED
    return VERDICT_ORDER.get(str(diagnosis.verification.get("status")), UNVERIFIED)


def verify_candidates(
    diagnoses: Sequence[Diagnosis],
    *,
    model: str | None,
    adapter: str | None,
    device: str = "auto",
    python: str | None = None,
    timeout: float = 600.0,
    family_of: Callable[[str], str | None] | None = None,
) -> tuple[list[Diagnosis], list[Any], str]:
    """``match --verify``: the checks of the candidates within reach, against ONE load of the model.

    The model and adapter are loaded once, in a child interpreter (``python``, else this one), and
    every candidate's check runs there (``kb.checks._isolated.verify_many_in_subprocess``).

    Returns:
        The diagnoses re-ranked by verdict (``with_verification``), the findings in that order,
        and the child's stderr (its ``peft-why: ...`` lines name bad inputs, one line each).
    """
    from peft_why.kb.checks import has_check
    from peft_why.kb.checks._isolated import verify_many_in_subprocess

    from .diagnose import entry_check

    checks = {d.id: entry_check(d.id) or "" for d in within_reach(diagnoses, family_of)}
    checks = {entry: check for entry, check in checks.items() if check and has_check(check)}
    if not checks:
        return list(diagnoses), [], ""
    findings, stderr = verify_many_in_subprocess(
        list(checks), model=model, adapter=adapter, device=device, python=python, timeout=timeout, checks=checks
    )
    ranked = with_verification(diagnoses, {entry: finding.to_dict() for entry, finding in findings.items()})
    return ranked, [findings[d.id] for d in ranked if d.id in findings], stderr
