"""Measure the matcher on a labelled set: ``DIR/labels.yaml`` + ``DIR/cases/<case>.txt``.

``labels.yaml`` is a list of ``{case, label, ...}`` (extra keys ignored); label
``none`` means nothing should match. Reported as n/N and ratios: top-1, top-3
and MRR over labelled cases (an abstention there is a miss), abstention over
``none`` cases, the same for each stage alone (its own scores, no calibration,
abstaining only when it finds nothing), and a reliability table (top-1
score bucket -> how often that top-1 is right). Installed package versions are
never consulted: only what the pastes themselves reveal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .diagnose import get_kb, get_vectors, rank, stage_candidates
from .fuse import IDENTITY, fuse
from .index import KbIndex
from .parse import parse
from .trace import Trace
from .types import STAGES, Diagnosis

NONE = "none"
BUCKETS: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@dataclass(frozen=True)
class Case:
    """One labelled paste."""

    case: str
    label: str
    text: str


def load_cases(folder: Path) -> list[Case]:
    """Read ``labels.yaml`` and the case texts. Raises ``ValueError`` with a one-line reason."""
    import yaml

    labels_path = folder / "labels.yaml"
    try:
        rows = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read {labels_path}: {exc}") from None
    if not isinstance(rows, list):
        raise ValueError(f"{labels_path}: expected a list of {{case, label}} mappings")
    cases: list[Case] = []
    for number, row in enumerate(rows):
        if not isinstance(row, dict) or "case" not in row or "label" not in row:
            raise ValueError(f"{labels_path}: item {number} lacks 'case' or 'label'")
        path = folder / "cases" / f"{row['case']}.txt"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror}") from None
        cases.append(Case(str(row["case"]), str(row["label"]), text))
    return cases


def _ratio(n: float, of: int) -> dict[str, Any]:
    return {
        "n": round(n, 4) if isinstance(n, float) else n,
        "of": of,
        "ratio": round(n / of, 4) if of else None,
    }


def score_run(cases: Sequence[Case], results: Sequence[list[Diagnosis]]) -> dict[str, Any]:
    """top1 / top3 / mrr over labelled cases, abstention over ``none`` cases, and the misses."""
    labelled = [(c, r) for c, r in zip(cases, results) if c.label != NONE]
    nones = [(c, r) for c, r in zip(cases, results) if c.label == NONE]
    top1 = top3 = 0
    reciprocal = 0.0
    misses: list[dict[str, Any]] = []
    for case, found in labelled:
        ids = [d.id for d in found]
        if case.label in ids:
            rank_of = ids.index(case.label) + 1
            reciprocal += 1.0 / rank_of
            top1 += rank_of == 1
            top3 += rank_of <= 3
        if not ids or ids[0] != case.label:
            misses.append({"case": case.case, "label": case.label, "got": ids[:3]})
    abstained = 0
    for case, found in nones:
        if not found:
            abstained += 1
        else:
            misses.append({"case": case.case, "label": NONE, "got": [d.id for d in found[:3]]})
    return {
        "top1": _ratio(top1, len(labelled)),
        "top3": _ratio(top3, len(labelled)),
        "mrr": _ratio(round(reciprocal, 4), len(labelled)),
        "abstention": _ratio(abstained, len(nones)),
        "misses": misses,
    }


def reliability(cases: Sequence[Case], results: Sequence[list[Diagnosis]]) -> list[dict[str, Any]]:
    """Top-1 score bucket -> how many, how many right, accuracy, mean score (a calibration check)."""
    rows: list[dict[str, Any]] = []
    for low, high in zip(BUCKETS, BUCKETS[1:]):
        inside = [(c, r[0]) for c, r in zip(cases, results) if r and low <= r[0].score < high]
        right = sum(1 for c, top in inside if top.id == c.label)
        mean = sum(top.score for _c, top in inside) / len(inside) if inside else None
        rows.append(
            {
                "bucket": f"{low:.1f}-{min(high, 1.0):.1f}",
                "n": len(inside),
                "correct": right,
                "accuracy": round(right / len(inside), 4) if inside else None,
                "mean_score": round(mean, 4) if mean is not None else None,
            }
        )
    return rows


def evaluate(
    cases: Sequence[Case],
    *,
    index: KbIndex | None = None,
    vectors: Callable[[], Any] | None = None,
    threshold: float | None = None,
) -> dict[str, Any]:
    """The full report: fused, each stage alone, reliability of the fused score. JSON-ready."""
    if index is None:
        _kb, index = get_kb()
        vectors = vectors or (lambda: get_vectors())
    traces: list[Trace] = [parse(case.text) for case in cases]
    extra: dict[str, Any] = {} if threshold is None else {"threshold": threshold}
    fused = [rank(t, index, vectors=vectors, **extra) for t in traces]
    report: dict[str, Any] = {
        "cases": len(cases),
        "labelled": sum(1 for c in cases if c.label != NONE),
        "none": sum(1 for c in cases if c.label == NONE),
        "unknown_labels": sorted({c.label for c in cases if c.label != NONE and c.label not in index.entries}),
        "fused": score_run(cases, fused),
        "stages": {},
        "reliability": reliability(cases, fused),
    }
    for stage in STAGES:
        # A stage alone: its own scores, uncalibrated, abstaining only below its own floor.
        alone = [
            fuse(
                stage_candidates(t, index, stages=(stage,), vectors=vectors),
                index.entries,
                threshold=1e-9,
                calibration=IDENTITY,
            )
            for t in traces
        ]
        summary = score_run(cases, alone)
        summary.pop("misses")
        report["stages"][stage] = summary
    return report
