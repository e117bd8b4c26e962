"""The one fitter of the fusion constants, and its cross-validation (``peft-why eval --cv``, ``make calibrate``).

What ``fuse`` takes from labelled pastes: the similarity stages' weights (``WEIGHT_GRID``), the
Platt map ``CALIBRATION`` and the abstention line ``ABSTAIN_BELOW``. ``fit_model`` fits them on a
set of cases: per weight combination a Platt map of the raw top-1 score (targets smoothed to
0.05 / 0.95), then the calibrated line that maximises right answers minus ``WRONG_COST`` x wrong
answers. A combination is admissible only where every KB ``examples.match`` text still ranks its
entry first, and a line only where every one of them stays above it (``kb_floors``, leave-one-out,
no semantic stage: as tests/kb/test_entries.py runs them), so a fit never buys devset abstentions
with the KB's own tests. "high" stays at ``fuse.HIGH``: a calibrated 0.8 is right 80% of the time.

``cross_validate`` splits the cases into folds (``fold_of``: whole source threads, each label's
threads spread over the folds), fits on all folds but one and scores the held-out fold with that
model only; it also fits on every case (``fit_all``): what ``bench/fit_devset.py`` prints for
``matcher/fuse.py``, and what production carries. Stage candidates come from
``evaluate.stage_cache`` (once per case); for each weight combination the raw top answer of every
case is computed once (``fit_table``), so a fit is cheap arithmetic and leave-one-out takes seconds.
"""

from __future__ import annotations

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
from .fuse import DEFAULT_WEIGHTS, HIGH, IDENTITY, calibrated, fuse
from .metrics import Outcome, reliability, slice_rows, summarise
from .types import STAGES

if TYPE_CHECKING:
    from .index import KbIndex
    from .prepared import Prepared
    from .semantic import VectorIndex

# The similarity stages' weights searched; the other stages keep ``DEFAULT_WEIGHTS``.
WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "symptom": (0.5, 0.6, 0.7, 0.8, 0.9),
    "semantic": (0.0, 0.2, 0.4),
    "lexical": (0.6, 0.75),
    "fuzzy": (0.55, 0.7),
}
# Tie-break: among fits of equal utility and calibration quality, the weights nearest this fixed prior.
PRIOR: dict[str, float] = {"symptom": 0.6, "semantic": 0.4, "lexical": 0.75, "fuzzy": 0.7}
# Candidate abstention lines on the calibrated score: 0.15, 0.20, ..., 0.75.
LINES: tuple[float, ...] = tuple(round(0.15 + 0.05 * step, 2) for step in range(13))
WRONG_COST = 1.0  # a wrong answer costs as much as a right one earns
# Platt targets 0.05 / 0.95 instead of 0 / 1: a few dozen nearly separable cases would otherwise
# fit a step function that claims certainty. A small ridge keeps the Newton step defined.
SMOOTHING = 0.05
RIDGE = 1e-3
DEFAULT_FOLDS = 5
DEFAULT_SEED = 0


class FitError(ValueError):
    """No admissible parameter set: every combination loses a KB example (one line)."""


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
            "abstain_raw": round(self.cut_raw, 4),
            "abstain_below": round(self.threshold, 4),
            "high_raw": None if math.isinf(self.high_raw) else round(self.high_raw, 4),
            "high_from": None if math.isinf(self.high_raw) else round(self.high, 4),
            "trained_on": len(self.trained_on),
        }


@dataclass(frozen=True)
class FitTable:
    """The cases, and for each weight combination each case's raw top answer ``(id, score)`` or None.

    ``floors[combo]``: the lowest raw top-1 score of the KB's own examples under that combination,
    -1 where one of them ranks another entry first; None: no KB constraint (synthetic tables).
    """

    cases: tuple[CachedCase, ...]
    entries: Mapping[str, Any]
    combos: tuple[Mapping[str, float], ...]
    tops: tuple[tuple[tuple[str, float] | None, ...], ...]  # [combo][case]
    floors: tuple[float, ...] | None = None


def weight_combos(grid: Mapping[str, Sequence[float]] = WEIGHT_GRID) -> list[dict[str, float]]:
    """Every weight setting of the grid, in grid order, over ``DEFAULT_WEIGHTS`` for the other stages."""
    names = list(grid)
    return [{**DEFAULT_WEIGHTS, **dict(zip(names, values))} for values in itertools.product(*grid.values())]


def fit_table(
    cases: Sequence[CachedCase],
    entries: Mapping[str, Any],
    combos: Sequence[Mapping[str, float]],
    floors: Sequence[float] | None = None,
) -> FitTable:
    """Fuse every case once per weight combination, uncalibrated and without abstention."""
    tops: list[tuple[tuple[str, float] | None, ...]] = []
    for weights in combos:
        row: list[tuple[str, float] | None] = []
        for cached in cases:
            ranked = fuse(restrict(cached.found, STAGES), entries, weights, threshold=0.0, calibration=IDENTITY)
            row.append((ranked[0].id, ranked[0].score) if ranked else None)
        tops.append(tuple(row))
    return FitTable(tuple(cases), entries, tuple(combos), tuple(tops), None if floors is None else tuple(floors))


def kb_floors(prepared: Prepared, combos: Sequence[Mapping[str, float]]) -> list[float]:
    """Per combination: the lowest raw top-1 score of the KB's match examples, -1 if one ranks another first.

    Each example is ranked by the KB without it (leave-one-out) and without the semantic stage,
    as tests/kb/test_entries.py ranks them.
    """
    from .diagnose import stage_candidates
    from .parse import parse

    memo = prepared.memo.setdefault("kb_floor_examples", {})  # per KB: every eval --cv in a process reuses it
    if "examples" not in memo:
        memo["examples"] = [
            (entry.id, stage_candidates(parse(text), prepared.without_example(entry.id, number)))
            for entry in prepared.entries.values()
            if not entry.is_retired
            for number, text in enumerate(entry.examples.match)
        ]
    examples: list[tuple[str, dict[str, list[Any]]]] = memo["examples"]
    floors = []
    for weights in combos:
        lowest = 1.0
        for entry_id, found in examples:
            ranked = fuse(found, prepared.entries, weights, threshold=0.0, calibration=IDENTITY)
            if not ranked or ranked[0].id != entry_id:
                lowest = -1.0
                break
            lowest = min(lowest, ranked[0].score)
        floors.append(lowest)
    return floors


def right_if_answered(cached: CachedCase, top: tuple[str, float] | None) -> bool:
    """Whether the top answer, if given, is right (on a case where abstaining is right, none is)."""
    return top is not None and cached.target is not None and top[0] == cached.target


def platt(scores: Sequence[float], right: Sequence[bool], iterations: int = 50) -> tuple[float, float]:
    """Platt scaling ``p = 1 / (1 + exp(-(a * score + b)))`` by Newton's method on smoothed targets.

    Returns ``(1.0, 0.0)`` when there is nothing to fit.
    """
    if not scores:
        return 1.0, 0.0
    targets = [SMOOTHING + (1.0 - 2.0 * SMOOTHING) * float(ok) for ok in right]
    a, b = 0.0, 0.0
    for _ in range(iterations):
        ga, gb = RIDGE * a, RIDGE * b
        haa, hab, hbb = RIDGE, 0.0, RIDGE
        for x, t in zip(scores, targets):
            p = 1.0 / (1.0 + math.exp(-(a * x + b)))
            ga += (p - t) * x
            gb += p - t
            w = p * (1.0 - p)
            haa += w * x * x
            hab += w * x
            hbb += w
        det = haa * hbb - hab * hab
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if max(abs(da), abs(db)) < 1e-9:
            break
    return a, b


def raw_at(score: float, calibration: tuple[float, float]) -> float:
    """The raw score whose calibrated value is ``score`` (the inverse of ``fuse.calibrated``)."""
    a, b = calibration
    return (math.log(score / (1.0 - score)) - b) / a


def fit_model(table: FitTable, train: Sequence[int]) -> Model:
    """Weights, Platt map and abstention line that maximise right - WRONG_COST x wrong on ``train``.

    Ties: the better-calibrated fit (mean log-likelihood), then the weights nearest ``PRIOR``, then
    the higher line. Raises ``FitError`` when no combination keeps the KB's examples first.
    """
    best: tuple[float, ...] | None = None
    chosen: tuple[int, float, float, float] | None = None
    for combo, weights in enumerate(table.combos):
        floor = table.floors[combo] if table.floors is not None else None
        if floor is not None and floor < 0:
            continue
        tops = [table.tops[combo][i] for i in train]
        scores = [top[1] if top else 0.0 for top in tops]
        right = [right_if_answered(table.cases[i], top) for i, top in zip(train, tops)]
        a, b = platt(scores, right)
        quality = _log_likelihood(scores, right, (a, b))
        nearness = -sum(abs(weights.get(name, 0.0) - prior) for name, prior in PRIOR.items())
        for line in LINES:
            if floor is not None and calibrated(floor, (a, b)) < line:
                continue
            answered = [ok for score, ok in zip(scores, right) if calibrated(score, (a, b)) >= line]
            utility = sum(answered) - WRONG_COST * (len(answered) - sum(answered))
            key = (utility, round(quality, 6), nearness, line)
            if best is None or key > best:
                best, chosen = key, (combo, a, b, line)
    if chosen is None:
        raise FitError("no parameter set keeps every KB example first above any line")
    combo, a, b, line = chosen
    trained_on = frozenset(table.cases[i].case.case for i in train)
    return Model(dict(table.combos[combo]), (a, b), raw_at(line, (a, b)), raw_at(HIGH, (a, b)), trained_on)


def _log_likelihood(scores: Sequence[float], right: Sequence[bool], calibration: tuple[float, float]) -> float:
    """Mean log-likelihood of the right/wrong outcomes under a Platt map (clipped away from 0 and 1)."""
    total = 0.0
    for score, ok in zip(scores, right):
        p = min(max(calibrated(score, calibration), 1e-6), 1 - 1e-6)
        total += math.log(p) if ok else math.log(1 - p)
    return total / max(len(scores), 1)


def fold_of(cases: Sequence[CachedCase], folds: int, seed: int) -> list[int]:
    """Each case's fold: whole source threads, each label's threads shuffled (seeded) and dealt round-robin.

    A thread's cases (several pastes from one issue) stay in one fold, so a model never trains on a
    paste's sibling; dealing one label after another spreads each label over the folds. ``folds``
    <= 0 or >= the number of cases means leave-one-out.
    """
    if folds <= 0 or folds >= len(cases):
        return list(range(len(cases)))
    rng = random.Random(seed)
    groups: dict[str, list[int]] = {}
    for number, cached in enumerate(cases):
        groups.setdefault(cached.case.source or cached.case.case, []).append(number)
    by_label: dict[str, list[str]] = {}
    for key, members in groups.items():
        by_label.setdefault(cases[members[0]].case.label, []).append(key)
    assigned = [0] * len(cases)
    position = 0
    for label in sorted(by_label):
        keys = sorted(by_label[label])
        rng.shuffle(keys)
        for key in keys:
            for number in groups[key]:
                assigned[number] = position % folds
            position += 1
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
        "stratified_by": None if loo else "label, source threads kept whole",
        "rows": slice_rows([c.facets for c in table.cases], done),
        "reliability": reliability(scored),
        "folds": fold_rows,
        "fit_all": {**everything.to_dict(), "in_sample": summarise(in_sample)},
        "production": production_dict(),
    }


def production_dict() -> dict[str, Any]:
    """The constants in ``fuse`` today, in ``Model.to_dict``'s fields (raw lines derived from the calibration)."""
    a, b = PRODUCTION.calibration
    return {
        "weights": dict(PRODUCTION.weights),
        "calibration": [a, b],
        "abstain_raw": round(raw_at(PRODUCTION.threshold, (a, b)), 4),
        "abstain_below": PRODUCTION.threshold,
        "high_raw": round(raw_at(PRODUCTION.high, (a, b)), 4),
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
    kb_constraint: bool = True,
) -> dict[str, Any]:
    """The data set's shape plus ``cross_validate`` of a fit over ``grid``: one call for ``peft-why eval --cv``.

    ``kb_constraint``: keep every KB example first above the line (``kb_floors``; off for a toy index).
    """
    prepared, _vectors, tail_map, cache = prepare(cases, index=index, vectors=vectors, tail_map=tail_map, split=split)
    combos = weight_combos(grid)
    floors = kb_floors(prepared, combos) if kb_constraint else None
    table = fit_table(cache, prepared.entries, combos, floors)
    return {
        **describe(cache, cases, tail_map, prepared.entries, split),
        "cv": cross_validate(table, folds=folds, seed=seed),
    }
