"""Fuse stage candidates into ranked diagnoses with a calibrated score in 0..1, or abstain.

Each stage's strongest candidate for an entry is a piece of evidence. They
combine as a weighted noisy-or (``raw = 1 - prod(1 - w_s * s_s)``), so agreeing
stages reinforce each other and no single weak stage reaches a high score.
A generic entry's raw score is scaled by ``GENERIC_FACTOR`` so a specific entry
with the same evidence wins; an entry with negative version evidence (fixed before
the user's release) by ``DEMOTED_FACTOR``: demoted, never dropped by versions alone.
The raw score is then calibrated by Platt scaling
(``score = 1 / (1 + exp(-(A * raw + B)))``, fitted on bench/heldout with
bench/calibrate.py), so a score of 0.8 is right about 80% of the time on
held-out pastes. The matcher abstains below ``ABSTAIN_BELOW``.

``fuse`` never re-derives evidence: it only weighs what the stages report.
Ties break by the most trusted stage that voted, then by id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .types import STAGES, Candidate, Diagnosis, Evidence

if TYPE_CHECKING:
    from peft_why.kb.model import Entry

DEFAULT_WEIGHTS: dict[str, float] = {
    "regex": 0.92,
    "lexical": 0.75,
    "fuzzy": 0.7,
    "semantic": 0.4,
    "version": 0.3,
}
# Platt scaling of the raw noisy-or score (bench/calibrate.py bench/heldout).
CALIBRATION: tuple[float, float] = (8.907, -5.098)
IDENTITY: tuple[float, float] = (0.0, 0.0)  # special value: no calibration (raw scores)
ABSTAIN_BELOW = 0.45  # raw 0.55, chosen on bench/heldout with bench/calibrate.py --weights
HIGH, MEDIUM = 0.8, 0.6
# Where CALIBRATION, ABSTAIN_BELOW and the weights above came from (printed by `make calibrate`;
# tests/test_provenance.py fails when bench/heldout or DEFAULT_WEIGHTS no longer match these hashes).
CALIBRATION_PROVENANCE = {
    "generator": "bench/calibrate.py",
    "generator_version": 1,
    "inputs": {
        "bench/heldout": "76bb68fc6c6f8e4078b5f23eb0b74cd0af9f29a10695c150a46930327aa69799",
        "matcher.fuse.DEFAULT_WEIGHTS": "355d91b181eb01a938475c557d5927f90b4a784a30b848f9d8eee255fe2d0ac3",
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
) -> list[Diagnosis]:
    """Rank entries by calibrated score; drop those below ``threshold``. Ties: stage priority, then id."""
    by_entry: dict[str, list[Candidate]] = {}
    for stage in STAGES:
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
        if score < threshold:
            continue
        if any(c.score < 0 for c in candidates):  # the version stage says the user's release is not affected
            # Demoted, never dropped by versions alone: it stays at or above the abstention line.
            raw *= DEMOTED_FACTOR
            score = max(calibrated(raw, calibration), threshold)
        evidence = tuple(
            Evidence(c.stage, c.detail, c.line, c.score)
            for c in sorted(candidates, key=lambda c: (-c.score * weights.get(c.stage, 0.0), STAGES.index(c.stage)))
        )
        best_stage = min(STAGES.index(c.stage) for c in candidates)
        diagnosis = Diagnosis(entry_id, entry.title, score, confidence_of(score), evidence, fix=entry.fix.summary)
        ranked.append((-raw, best_stage, entry_id, diagnosis))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked]


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
