"""What a set of per-case outcomes scores: counts with 95% Wilson intervals, sliced, and a reliability table.

The labelled groups are small (a handful of cases per kind or language), so a bare
ratio says little: every count carries its Wilson score interval, which stays
inside 0..1 and is honest at 0/n and n/n where the normal approximation is not.
Everything here is pure: outcomes in, JSON-ready dicts out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# The 97.5th percentile of the standard normal: a two-sided 95% interval.
Z95 = 1.959963984540054
GROUPS: tuple[str, ...] = ("known", "tail", "none")
# Calibrated-score bins of the reliability table (the last one closed at 1.0).
BUCKETS: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of ``k`` successes in ``n`` trials (None when ``n`` is 0)."""
    if n <= 0:
        return None
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def count(k: int, n: int) -> dict[str, Any]:
    """``{"n", "of", "ratio", "ci95"}`` for ``k`` of ``n`` (ratio and interval None when ``n`` is 0)."""
    interval = wilson(k, n)
    return {
        "n": k,
        "of": n,
        "ratio": round(k / n, 4) if n else None,
        "ci95": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
    }


@dataclass(frozen=True)
class Outcome:
    """What one matcher variant answered on one case, and what was right.

    ``target`` is the entry that should rank first; None means the right answer is
    to abstain (a ``none`` case, or a tail class no entry covers yet).
    """

    case: str
    group: str  # known | tail | none
    target: str | None
    ranked: tuple[str, ...]  # answers that survived abstention, best first
    score: float | None  # the top answer's score (None when it abstained)
    high: bool  # the top answer was given at "high" confidence

    @property
    def rank(self) -> int | None:
        """1-based rank of the target among the answers, None when absent or when abstaining is right."""
        if self.target is None or self.target not in self.ranked:
            return None
        return self.ranked.index(self.target) + 1

    @property
    def abstained(self) -> bool:
        """No answer at all."""
        return not self.ranked

    @property
    def may_abstain(self) -> bool:
        """Abstaining is right: a ``none`` case, or a tail case (covered by a new entry or not)."""
        return self.target is None or self.group == "tail"

    @property
    def right(self) -> bool:
        """The target first, or no answer where abstaining is right (a tail case: either)."""
        if self.may_abstain and self.abstained:
            return True
        return self.target is not None and self.rank == 1


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Every metric of a slice. Ranking metrics count only cases with a target; abstention both ways.

    ``abstain_ok``: right where abstaining is right (none: abstained; tail: abstained or the
    covering entry first); ``false_abstain``: abstained where an entry should rank first;
    ``right``: the case handled right, whatever its group;
    ``wrong_high``: wrong answers given at "high" confidence, over all cases of the slice;
    ``high_precision``: of the answers given at "high", how many were right.
    """
    known = [o for o in outcomes if o.target is not None]
    should_abstain = [o for o in outcomes if o.may_abstain]
    high = [o for o in outcomes if o.high]
    ranks = [o.rank for o in known]
    reciprocal = sum(1.0 / r for r in ranks if r is not None)
    return {
        "cases": len(outcomes),
        "top1": count(sum(1 for r in ranks if r == 1), len(known)),
        "top3": count(sum(1 for r in ranks if r is not None and r <= 3), len(known)),
        "mrr": {
            "n": round(reciprocal, 4),
            "of": len(known),
            "ratio": round(reciprocal / len(known), 4) if known else None,
            "ci95": None,
        },
        "abstain_ok": count(sum(1 for o in should_abstain if o.right), len(should_abstain)),
        "false_abstain": count(sum(1 for o in known if o.abstained and not o.may_abstain), len(known)),
        "right": count(sum(1 for o in outcomes if o.right), len(outcomes)),
        "wrong_high": count(sum(1 for o in high if not o.right), len(outcomes)),
        "high_precision": count(sum(1 for o in high if o.right), len(high)),
    }


def natural_key(case_id: str) -> tuple[Any, ...]:
    """Sort key that orders ``dev9`` before ``dev10`` (text and numbers alternate, so keys always compare)."""
    return tuple(int(part) if number % 2 else part for number, part in enumerate(re.split(r"(\d+)", case_id)))


def part_of(case_id: str, split: str | None) -> str:
    """``tuned`` for cases up to and including ``split`` (natural order), else ``fresh``; ``all`` without a split."""
    if split is None:
        return "all"
    return "tuned" if natural_key(case_id) <= natural_key(split) else "fresh"


@dataclass(frozen=True)
class Facets:
    """How a case is sliced: its part of the split, group, kind and language."""

    part: str
    group: str
    kind: str
    lang: str


def slice_rows(facets: Sequence[Facets], outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """``summarise`` for every part (all, then each part) crossed with all / each group / kind / language.

    Each row says what it covers in ``part``, ``by`` (all | group | kind | lang) and ``value``.
    Values are listed in a fixed order (groups as in ``GROUPS``, others sorted) so the JSON is stable.
    """
    pairs = list(zip(facets, outcomes))
    parts = ["all", *sorted({f.part for f in facets} - {"all"}, key=lambda p: (p != "tuned", p))]
    dimensions: list[tuple[str, list[str], Callable[[Facets], str]]] = [
        ("group", list(GROUPS), lambda f: f.group),
        ("kind", sorted({f.kind for f in facets}), lambda f: f.kind),
        ("lang", sorted({f.lang for f in facets}), lambda f: f.lang),
    ]
    rows: list[dict[str, Any]] = []
    for part in parts:
        inside = [(f, o) for f, o in pairs if part in ("all", f.part)]
        rows.append({"part": part, "by": "all", "value": "all", **summarise([o for _f, o in inside])})
        for by, values, facet in dimensions:
            for value in values:
                chosen = [o for f, o in inside if facet(f) == value]
                rows.append({"part": part, "by": by, "value": value, **summarise(chosen)})
    return rows


def reliability(scored: Sequence[tuple[float, bool]]) -> list[dict[str, Any]]:
    """Top-1 score bin -> how many, how many right (Wilson interval), mean score: a calibration check.

    ``scored`` holds each case's top-1 score before abstention and whether that top-1 is right
    (on a case where abstaining is right, any top-1 is wrong).
    """
    rows: list[dict[str, Any]] = []
    for low, high in zip(BUCKETS, BUCKETS[1:]):
        inside = [(score, ok) for score, ok in scored if low <= score < high]
        mean = sum(score for score, _ok in inside) / len(inside) if inside else None
        rows.append(
            {
                "bucket": f"{low:.1f}-{min(high, 1.0):.1f}",
                "right": count(sum(1 for _s, ok in inside if ok), len(inside)),
                "mean_score": round(mean, 4) if mean is not None else None,
            }
        )
    return rows
