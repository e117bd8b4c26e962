"""Fuse stage candidates into ranked diagnoses with a calibrated score in 0..1, or abstain.

Each stage's strongest candidate for an entry is a piece of evidence. They
combine as a weighted noisy-or (``raw = 1 - prod(1 - w_s * s_s)``), so agreeing
stages reinforce each other and no single weak stage reaches a high score.
A generic entry's raw score is scaled by ``GENERIC_FACTOR`` so a specific entry
with the same evidence wins; an entry with negative version evidence (fixed before
the user's release) by ``DEMOTED_FACTOR``: demoted, never dropped by versions alone.
The raw score is then calibrated by Platt scaling
(``score = 1 / (1 + exp(-(A * raw + B)))``, fitted on real labelled pastes with
bench/fit_devset.py, cross-validated), so a score of 0.8 is right about 80% of the
time on held-out pastes. The matcher abstains when the best score is below
``ABSTAIN_BELOW``; once it answers, runners-up down to ``COMPANION_BELOW`` stand beside it.

``fuse`` never re-derives evidence: it only weighs what the stages report (and fills the
entry's finding template from the values they captured, ``finding.finding_for``).
Ties break by the most trusted stage that voted, then by id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .finding import finding_for
from .types import EVIDENCE_STAGES, Candidate, Diagnosis, Evidence

if TYPE_CHECKING:
    from peft_why.kb.model import Entry

# Weights of symptom, semantic, lexical and fuzzy, the calibration and the abstention line are fitted
# together on 91 real labelled pastes by matcher/crossval.py's fit_model (run by bench/fit_devset.py,
# cross-validated by the same code in `peft-why eval --cv`: 5 folds stratified by label, source threads
# kept whole, seed 0; utility = right - wrong answers; every KB match example kept first above the line).
# Tail cases count as right when they abstain or rank the entry the tail map gives them. Refit after the
# KB grows: the weights depend on it. Last fitted with 103 entries.
DEFAULT_WEIGHTS: dict[str, float] = {
    "regex": 0.92,
    # Not fitted (one of the 91 pastes is a cut traceback): a raise site alone is weaker than a
    # pattern on the error line (0.92) and stronger than any one similarity stage, so a site one
    # entry owns lands at "medium" (calibrated 0.75), never at "high".
    "frame": 0.75,
    "lexical": 0.6,
    "fuzzy": 0.7,
    "symptom": 0.7,
    "semantic": 0.2,
    "version": 0.3,
}
# Platt scaling of the raw noisy-or score (fit_model on all cases).
CALIBRATION: tuple[float, float] = (5.826, -3.259)
IDENTITY: tuple[float, float] = (0.0, 0.0)  # special value: no calibration (raw scores)
ABSTAIN_BELOW = 0.5  # calibrated; the best candidate must reach it, else the matcher is silent
HIGH, MEDIUM = 0.8, 0.6
# Once the best candidate passes the line, runners-up down to this score are shown beside it.
COMPANION_BELOW = 0.3
# Candidates this close to the best (calibrated score) that share its family get their ``distinguish``.
CLOSE = 0.15
# Where CALIBRATION, ABSTAIN_BELOW and the weights above came from (printed by `make calibrate`;
# tests/test_provenance.py fails when the devset or the fitter no longer match these hashes).
CALIBRATION_PROVENANCE = {
    "generator": "bench/fit_devset.py",
    "generator_version": 2,
    "inputs": {
        "../shared/devset": "5cf1b32063b484446f9e0640e245051720dacf4c8142a21551a7409eecf4df08",
        "bench/fit_devset.py": "b57fa9cd7cf1892ed9d39eaa1bb4802b929dc43a611e9fec2d9103e5bedddc54",
        "matcher/crossval.py": "7636a872103e6ca2b9023399719f760d1f8e907a4049cd8f67b0ee1b71d324e8",
    },
    "regenerate": "make calibrate",
}
# A generic entry (outdated-package, cuda-oom-lora) must not swallow a specific one.
GENERIC_FACTOR = 0.97
# Negative (version) evidence: the entry is fixed in, or does not affect, the user's release.
DEMOTED_FACTOR = 0.8


def fuse(
    stages: Mapping[str, Sequence[Candidate]],
    entries: Mapping[str, Entry],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    *,
    threshold: float = ABSTAIN_BELOW,
    calibration: tuple[float, float] = CALIBRATION,
    companion: float = COMPANION_BELOW,
) -> list[Diagnosis]:
    """Rank entries by calibrated score, or abstain (``[]``) when the best is below ``threshold``.

    Once the best passes, runners-up are kept down to ``companion`` (alternatives, not answers).
    Ties: stage priority, then id.
    """
    by_entry: dict[str, list[Candidate]] = {}
    for stage in EVIDENCE_STAGES:
        for candidate in stages.get(stage, ()):
            by_entry.setdefault(candidate.entry_id, []).append(candidate)
    ranked: list[tuple[float, int, str, Diagnosis]] = []
    for entry_id, candidates in by_entry.items():
        entry = entries.get(entry_id)
        if entry is None or entry.is_retired:
            continue
        raw = combined_score(candidates, weights)
        if entry.generic:
            raw *= GENERIC_FACTOR
        score = calibrated(raw, calibration)
        if score < min(threshold, companion):
            continue
        if any(c.score < 0 for c in candidates):  # the version stage says the user's release is not affected
            # Demoted, never dropped by versions alone: an answer stays at or above the abstention line.
            # One below the line stays below it (versions never lift a candidate into an answer).
            raw *= DEMOTED_FACTOR
            demoted = calibrated(raw, calibration)
            score = max(demoted, threshold) if score >= threshold else demoted
        evidence = tuple(
            Evidence(c.stage, c.detail, c.line, c.score)
            for c in sorted(
                candidates, key=lambda c: (-c.score * weights.get(c.stage, 0.0), EVIDENCE_STAGES.index(c.stage))
            )
        )
        best_stage = min(EVIDENCE_STAGES.index(c.stage) for c in candidates)
        finding = finding_for(entry.finding, candidates)
        diagnosis = Diagnosis(
            entry_id, entry.title, score, confidence_of(score), evidence, finding=finding, fix=entry.fix.summary
        )
        ranked.append((-raw, best_stage, entry_id, diagnosis))
    ranked.sort(key=lambda item: item[:3])
    found = [item[3] for item in ranked]
    if not found or found[0].score < threshold:
        return []  # the best is below the line: abstain, whatever its runners-up
    return with_distinctions([d for d in found if d.score >= min(threshold, companion)], entries)


def with_distinctions(ranked: Sequence[Diagnosis], entries: Mapping[str, Entry]) -> list[Diagnosis]:
    """Add ``distinguish`` to the best diagnosis and its close family members.

    When the best candidates are within ``CLOSE`` of each other and share a ``family``, the
    scores cannot decide between them; each entry's ``distinguish`` (the one observation
    that tells it apart) lets the user decide.
    """
    if len(ranked) < 2:
        return list(ranked)
    best = entries.get(ranked[0].id)
    family = best.family if best is not None else None
    if family is None:
        return list(ranked)
    close = [
        d
        for d in ranked
        if ranked[0].score - d.score <= CLOSE and (e := entries.get(d.id)) is not None and e.family == family
    ]
    if len(close) < 2:
        return list(ranked)
    marked = {d.id for d in close}
    return [replace(d, distinguish=entries[d.id].distinguish) if d.id in marked else d for d in ranked]


def combined_score(candidates: Sequence[Candidate], weights: Mapping[str, float]) -> float:
    """Noisy-or of each stage's strongest candidate, weighted by how much that stage is trusted."""
    strongest: dict[str, float] = {}
    for candidate in candidates:
        strongest[candidate.stage] = max(strongest.get(candidate.stage, 0.0), candidate.score)
    miss = 1.0
    for stage, score in strongest.items():
        miss *= 1.0 - weights.get(stage, 0.0) * max(0.0, min(1.0, score))
    return 1.0 - miss


def calibrated(raw: float, calibration: tuple[float, float] = CALIBRATION) -> float:
    """The raw noisy-or score mapped to a probability of being right (monotonic: ranks unchanged)."""
    slope, offset = calibration
    if (slope, offset) == IDENTITY:
        return raw
    return 1.0 / (1.0 + math.exp(-(slope * raw + offset)))


def confidence_of(score: float) -> str:
    """``high`` / ``medium`` / ``low``: the words the CLI and the hook print beside the score."""
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"
