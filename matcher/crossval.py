"""Cross-validate what the matcher fits on labelled pastes, so its figures are not scored on its own training.

Four things in ``fuse`` were chosen by looking at labelled cases: the stage weights
(a grid, as ``bench/calibrate.py --weights`` searched), the abstention line, the
Platt map ``CALIBRATION`` (fitted by ``bench/calibrate.py`` on ``bench/heldout``) and the
"high" line. ``fit_model`` fits all four on a set of cases; ``cross_validate`` splits
the cases into folds stratified by label (a label's cases are spread over the folds,
so the model that scores one never trained on all of its label), fits on all folds but
one and scores the held-out fold with that model only. Stage candidates come from
``evaluate.stage_cache`` (computed once per case); for each weight combination the
raw top answer of every case is computed once (``fit_table``), so a fit is cheap
arithmetic and leave-one-out takes seconds.

Nothing here changes the production constants: ``fit_model`` on every case reports
what they would become, for someone to adopt deliberately.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .evaluate import (
    PRODUCTION,
    CachedCase,
    Case,
    Setting,
    answer,
    describe,
    outcome_of,
    prepare,
    restrict,
    top_before_abstention,
)
from .fuse import DEFAULT_WEIGHTS, IDENTITY, calibrated, fuse
from .metrics import Outcome, reliability, slice_rows, summarise
from .types import STAGES

if TYPE_CHECKING:
    from .index import KbIndex
    from .semantic import VectorIndex

# The similarity stages' weights searched (bench/calibrate.py's grid; production's values are in it).
WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "lexical": (0.5, 0.6, 0.75, 0.9),
    "fuzzy": (0.5, 0.7, 0.85),
    "semantic": (0.4, 0.55, 0.7),
}
# Candidate lines on the raw noisy-or score: 0.30, 0.31, ..., 0.90 (production abstains below raw 0.55).
CUT_GRID: tuple[float, ...] = tuple(round(0.30 + 0.01 * step, 2) for step in range(61))
# "high" should be right at least this often: a line pays where right - HIGH_TARGET/(1-HIGH_TARGET) * wrong grows.
HIGH_TARGET = 0.8
# Platt targets 0.05 / 0.95 instead of 0 / 1, as bench/calibrate.py: a few dozen nearly separable
# cases would otherwise fit a step function that claims certainty.
SMOOTHING = 0.05
# When every training answer is right (or every one wrong) the best Platt slope is 0: a flat map that
# would tie every score with the lines. The slope is kept at least this, so the map still orders scores.
MIN_SLOPE = 0.01
DEFAULT_FOLDS = 5
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Model:
    """A fitted setting and the cases it was fitted on (so scoring can prove it never saw a test case)."""

    weights: Mapping[str, float]
    calibration: tuple[float, float]
    cut_raw: float  # abstain below this raw score
    high_raw: float  # "high" from this raw score (inf: nothing is high)
    trained_on: frozenset[str]

    @property
    def threshold(self) -> float:
        """The abstention line on the calibrated score (what ``fuse`` compares)."""
        return calibrated(self.cut_raw, self.calibration)

    @property
    def high(self) -> float:
        """The "high" line on the calibrated score (inf when nothing is high)."""
        return math.inf if math.isinf(self.high_raw) else calibrated(self.high_raw, self.calibration)

    def setting(self) -> Setting:
        """The model as an evaluation ``Setting`` over every stage."""
        return Setting(STAGES, dict(self.weights), self.calibration, self.threshold, self.high)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (lines on both scales; None for a line nothing reaches)."""
        return {
            "weights": {stage: self.weights[stage] for stage in STAGES if stage in self.weights},
            "calibration": [round(self.calibration[0], 4), round(self.calibration[1], 4)],
            "abstain_raw": self.cut_raw,
            "abstain_below": round(self.threshold, 4),
            "high_raw": None if math.isinf(self.high_raw) else self.high_raw,
            "high_from": None if math.isinf(self.high_raw) else round(self.high, 4),
            "trained_on": len(self.trained_on),
        }


@dataclass(frozen=True)
class FitTable:
    """The cases, and for each weight combination each case's raw top answer ``(id, score)`` or None."""

    cases: tuple[CachedCase, ...]
    entries: Mapping[str, Any]
    combos: tuple[Mapping[str, float], ...]
    tops: tuple[tuple[tuple[str, float] | None, ...], ...]  # [combo][case]


def weight_combos(grid: Mapping[str, Sequence[float]] = WEIGHT_GRID) -> list[dict[str, float]]:
    """Every weight setting of the grid, production's first (it wins ties), then in grid order."""
    names = list(grid)
    combos = [{**DEFAULT_WEIGHTS, **dict(zip(names, values))} for values in itertools.product(*grid.values())]
    combos.sort(key=lambda w: w != DEFAULT_WEIGHTS)
    return combos


def fit_table(
    cases: Sequence[CachedCase], entries: Mapping[str, Any], combos: Sequence[Mapping[str, float]]
) -> FitTable:
    """Fuse every case once per weight combination, uncalibrated and without abstention."""
    tops: list[tuple[tuple[str, float] | None, ...]] = []
    for weights in combos:
        row: list[tuple[str, float] | None] = []
        for cached in cases:
            ranked = fuse(restrict(cached.found, STAGES), entries, weights, threshold=0.0, calibration=IDENTITY)
            row.append((ranked[0].id, ranked[0].score) if ranked else None)
        tops.append(tuple(row))
    return FitTable(tuple(cases), entries, tuple(combos), tuple(tops))


def right_if_answered(cached: CachedCase, top: tuple[str, float] | None) -> bool:
    """Whether the top answer, if given, is right (on a case where abstaining is right, none is)."""
    return top is not None and cached.target is not None and top[0] == cached.target


def right_per_cut(table: FitTable, combo: int, train: Sequence[int], cuts: Sequence[float]) -> list[int]:
    """Cases handled right at each raw cut: a right top at or above it, or an abstain-case top below it."""
    hits = sorted(t[1] for i in train if (t := table.tops[combo][i]) and right_if_answered(table.cases[i], t))
    abstain = sorted(t[1] if (t := table.tops[combo][i]) else -math.inf for i in train if table.cases[i].target is None)
    return [len(hits) - bisect.bisect_left(hits, cut) + bisect.bisect_left(abstain, cut) for cut in cuts]


def middle_of_best(values: Sequence[float], gains: Sequence[float]) -> tuple[float, float]:
    """The middle value among those with the best gain (deterministic, away from the edges of a plateau)."""
    best = max(gains)
    tied = [value for value, gain in zip(values, gains) if gain == best]
    return tied[(len(tied) - 1) // 2], best


def platt(scores: Sequence[float], right: Sequence[bool], smoothing: float = SMOOTHING) -> tuple[float, float]:
    """Platt scaling ``p = 1 / (1 + exp(-(a * score + b)))`` by Newton's method on smoothed targets.

    Returns ``(1.0, 0.0)`` when there is nothing to fit; the slope is at least ``MIN_SLOPE``.
    """
    targets = [smoothing + (1.0 - 2.0 * smoothing) * float(ok) for ok in right]
    a, b = 0.0, 0.0
    if not scores:
        return 1.0, 0.0
    for _ in range(100):
        ga = gb = haa = hab = hbb = 0.0
        for x, t in zip(scores, targets):
            p = 1.0 / (1.0 + math.exp(-(a * x + b)))
            ga += (p - t) * x
            gb += p - t
            w = p * (1.0 - p)
            haa += w * x * x
            hab += w * x
            hbb += w
        det = haa * hbb - hab * hab
        if det <= 1e-12:
            break
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) < 1e-10 and abs(db) < 1e-10:
            break
    return max(a, MIN_SLOPE), b


def high_line(
    answered: Sequence[tuple[float, bool]], cut: float, target: float = HIGH_TARGET, cuts: Sequence[float] = CUT_GRID
) -> float:
    """The raw line from which answers are "high": where each answer above it is right at least ``target`` often.

    Gain of a line = right - target / (1 - target) * wrong over the answers at or above it;
    inf (nothing high) when no line gains.
    """
    penalty = target / (1.0 - target)
    lines = [c for c in cuts if c >= cut]
    gains = [sum(1.0 if ok else -penalty for score, ok in answered if score >= line) for line in lines]
    if not lines or max(gains) <= 0:
        return math.inf
    return middle_of_best(lines, gains)[0]


def fit_model(table: FitTable, train: Sequence[int]) -> Model:
    """Fit weights with the abstention line, then the Platt map, then the "high" line, on ``train`` only."""
    best: tuple[float, int, float] | None = None
    for combo in range(len(table.combos)):
        cut, gain = middle_of_best(CUT_GRID, right_per_cut(table, combo, train, CUT_GRID))
        if best is None or gain > best[0]:
            best = (gain, combo, cut)
    assert best is not None, "the weight grid is never empty"
    _gain, combo, cut = best
    tops = [(table.tops[combo][i], table.cases[i]) for i in train]
    answered = [(top[1], right_if_answered(cached, top)) for top, cached in tops if top is not None]
    a, b = platt([score for score, _ok in answered], [ok for _score, ok in answered])
    high = high_line([(score, ok) for score, ok in answered if score >= cut], cut)
    trained_on = frozenset(table.cases[i].case.case for i in train)
    return Model(dict(table.combos[combo]), (a, b), cut, high, trained_on)


def fold_of(cases: Sequence[CachedCase], folds: int, seed: int) -> list[int]:
    """Each case's fold: labels in sorted order, each label's cases shuffled (seeded), dealt round-robin.

    Dealing one label after another spreads every label over the folds and keeps folds
    within one case of each other in size. ``folds`` <= 0 or >= the number of cases
    means leave-one-out.
    """
    if folds <= 0 or folds >= len(cases):
        return list(range(len(cases)))
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for number, cached in enumerate(cases):
        by_label.setdefault(cached.case.label, []).append(number)
    order: list[int] = []
    for label in sorted(by_label):
        members = sorted(by_label[label], key=lambda i: cases[i].case.case)
        rng.shuffle(members)
        order.extend(members)
    assigned = [0] * len(cases)
    for position, number in enumerate(order):
        assigned[number] = position % folds
    return assigned


class LeakError(AssertionError):
    """A case was about to be scored by a model fitted on it."""


def cross_validate(
    table: FitTable,
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    fitter: Callable[[FitTable, Sequence[int]], Model] = fit_model,
) -> dict[str, Any]:
    """Score every case with the model fitted without its fold: sliced table, reliability, per-fold fits.

    Also fits on every case (``fit_all``: what the constants would become) beside production's.
    Raises ``LeakError`` if a fitter returns a model trained on a case it is about to score.
    """
    assignment = fold_of(table.cases, folds, seed)
    outcomes: list[Outcome | None] = [None] * len(table.cases)
    scored: list[tuple[float, bool]] = []
    fold_rows: list[dict[str, Any]] = []
    for fold in sorted(set(assignment)):
        test = [i for i, f in enumerate(assignment) if f == fold]
        train = [i for i, f in enumerate(assignment) if f != fold]
        model = fitter(table, train)
        setting = model.setting()
        for i in test:
            cached = table.cases[i]
            if cached.case.case in model.trained_on:
                raise LeakError(f"fold {fold}: {cached.case.case} is scored by a model fitted on it")
            outcomes[i] = outcome_of(cached, answer(cached, setting, table.entries), setting.high)
            top = top_before_abstention(cached, setting, table.entries)
            if top is not None:
                scored.append(top)
        fold_rows.append({"fold": fold, "cases": [table.cases[i].case.case for i in test], **model.to_dict()})
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(table.cases), "every case is scored exactly once"
    everything = fitter(table, range(len(table.cases)))
    in_sample = [outcome_of(c, answer(c, everything.setting(), table.entries), everything.high) for c in table.cases]
    loo = len(set(assignment)) == len(table.cases)
    return {
        "scheme": "leave-one-out" if loo else f"{len(set(assignment))}-fold",
        "seed": None if loo else seed,
        "stratified_by": None if loo else "label",
        "rows": slice_rows([c.facets for c in table.cases], done),
        "reliability": reliability(scored),
        "folds": fold_rows,
        "fit_all": {**everything.to_dict(), "in_sample": summarise(in_sample)},
        "production": production_dict(),
    }


def production_dict() -> dict[str, Any]:
    """The constants in ``fuse`` today, in ``Model.to_dict``'s fields (raw lines derived from the calibration)."""
    a, b = PRODUCTION.calibration

    def raw_of(score: float) -> float:
        return round((math.log(score / (1.0 - score)) - b) / a, 4)

    return {
        "weights": dict(PRODUCTION.weights),
        "calibration": [a, b],
        "abstain_raw": raw_of(PRODUCTION.threshold),
        "abstain_below": PRODUCTION.threshold,
        "high_raw": raw_of(PRODUCTION.high),
        "high_from": PRODUCTION.high,
        "trained_on": None,
    }


def evaluate_cv(
    cases: Sequence[Case],
    *,
    index: KbIndex | None = None,
    vectors: Callable[[], VectorIndex | None] | None = None,
    tail_map: Mapping[str, str | None] | None = None,
    split: str | None = None,
    folds: int = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    grid: Mapping[str, Sequence[float]] = WEIGHT_GRID,
) -> dict[str, Any]:
    """The data set's shape plus ``cross_validate`` of a fit over ``grid``: one call for ``peft-why eval --cv``."""
    prepared, _vectors, tail_map, cache = prepare(cases, index=index, vectors=vectors, tail_map=tail_map, split=split)
    table = fit_table(cache, prepared.entries, weight_combos(grid))
    return {
        **describe(cache, cases, tail_map, prepared.entries, split),
        "cv": cross_validate(table, folds=folds, seed=seed),
    }
