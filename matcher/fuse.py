"""Fuse stage candidates into ranked diagnoses with a score in 0..1, or abstain.

Each stage's candidate is a piece of evidence; an entry's score combines them
as a noisy-or (``1 - prod(1 - w_s * s_s)``), so agreeing stages reinforce each
other and no single weak stage can reach a high score on its own. ``fuse``
never re-derives evidence: it only weighs what the stages report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from peft_why.kb.schema import Entry

from .types import STAGES, Candidate, Diagnosis, Evidence

DEFAULT_WEIGHTS: dict[str, float] = {"regex": 0.92, "lexical": 0.6, "fuzzy": 0.7, "semantic": 0.55, "version": 0.3}
ABSTAIN_BELOW = 0.45
HIGH, MEDIUM = 0.8, 0.6
# A generic entry (outdated-package, cuda-oom-lora) must not swallow a specific one.
GENERIC_FACTOR = 0.9


def fuse(
    stages: Mapping[str, Sequence[Candidate]],
    entries: Mapping[str, Entry],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    *,
    threshold: float = ABSTAIN_BELOW,
) -> list[Diagnosis]:
    """Rank entries by fused score; drop those below ``threshold``. Ties break by stage priority, then id."""
    by_entry: dict[str, list[Candidate]] = {}
    for stage in STAGES:
        for candidate in stages.get(stage, ()):
            by_entry.setdefault(candidate.entry_id, []).append(candidate)
    ranked: list[tuple[float, int, str, Diagnosis]] = []
    for entry_id, candidates in by_entry.items():
        entry = entries.get(entry_id)
        if entry is None or entry.is_retired:
            continue
        score = combined_score(candidates, weights)
        if entry.generic:
            score *= GENERIC_FACTOR
        if score < threshold:
            continue
        evidence = tuple(
            Evidence(c.stage, c.detail, c.line, c.score)
            for c in sorted(candidates, key=lambda c: (STAGES.index(c.stage), -c.score))
        )
        best_stage = min(STAGES.index(c.stage) for c in candidates)
        diagnosis = Diagnosis(entry_id, entry.title, score, confidence_of(score), evidence)
        ranked.append((-score, best_stage, entry_id, diagnosis))
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


def confidence_of(score: float) -> str:
    """``high`` / ``medium`` / ``low``: the words the CLI and the hook print beside the score."""
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"
