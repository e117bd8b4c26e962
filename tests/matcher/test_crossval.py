"""``peft-why eval --cv``: folds, fits, and no case ever scored by a model that saw it (synthetic cases)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import pytest

from peft_why.matcher.crossval import (
    FitError,
    FitTable,
    LeakError,
    Model,
    cross_validate,
    fit_model,
    fit_table,
    fold_of,
    platt,
    raw_at,
    weight_combos,
)
from peft_why.matcher.evaluate import CachedCase, Case, stage_cache
from peft_why.matcher.fuse import ABSTAIN_BELOW, CALIBRATION, DEFAULT_WEIGHTS, HIGH, calibrated
from peft_why.matcher.metrics import Facets

from .helpers import make_entry, make_index


def _cached(name: str, label: str, target: str | None, source: str = "") -> CachedCase:
    group = "none" if label == "none" else ("known" if target else "tail")
    return CachedCase(Case(name, label, "", source=source), Facets("all", group, "error-line", "en"), target, {})


def _table() -> FitTable:
    index = make_index(
        make_entry("boom-error", "boom happened", regex="boom happened", examples=["ValueError: boom happened"]),
        make_entry("fizz-error", "fizz went flat", regex="fizz went flat", examples=["RuntimeError: fizz went flat"]),
    )
    cases = []
    for n in range(6):
        cases.append(Case(f"b{n}", "boom-error", f"ValueError: boom happened {n}"))
        cases.append(Case(f"f{n}", "fizz-error", f"RuntimeError: fizz went flat {n}"))
        cases.append(Case(f"n{n}", "none", f"my cake number {n} did not rise"))
    cache = stage_cache(cases, index, tail_map={}, split=None, vectors=None)
    return fit_table(cache, index.entries, weight_combos({"lexical": (0.6, 0.75)}))


def test_folds_spread_every_label_and_stay_balanced() -> None:
    cases = [_cached(f"c{n}", label, label) for n, label in enumerate(["a"] * 5 + ["b"] * 5 + ["c"] * 3)]
    folds = fold_of(cases, 5, seed=0)
    for label in "abc":
        members = [folds[n] for n, c in enumerate(cases) if c.case.label == label]
        assert len(set(members)) == len(members)  # no two cases of a label in one fold (each has <= 5)
    assert max(Counter(folds).values()) - min(Counter(folds).values()) <= 1
    assert folds == fold_of(cases, 5, seed=0)
    assert fold_of(cases, 0, seed=0) == list(range(len(cases)))  # leave-one-out


def test_folds_keep_a_source_threads_cases_together() -> None:
    threads = [_cached(f"t{n}", "a", "a", source=f"thread-{n // 3}") for n in range(9)]
    alone = [_cached(f"s{n}", "b", "b") for n in range(4)]
    folds = fold_of(threads + alone, 3, seed=2)
    for thread in range(3):
        assert len({folds[n] for n in range(9) if n // 3 == thread}) == 1
    assert len(set(folds[:9])) == 3  # the label's three threads still spread over the folds


def test_cross_validation_never_scores_a_case_with_a_model_fitted_on_it() -> None:
    table = _table()
    calls: list[frozenset[str]] = []

    def spy(table: FitTable, train: Sequence[int]) -> Model:
        model = fit_model(table, train)
        calls.append(frozenset(table.cases[i].case.case for i in train))
        assert model.trained_on == calls[-1]
        return model

    report = cross_validate(table, folds=3, seed=1, fitter=spy)
    assert len(calls) == 3 + 1  # one fit per fold, then the fit on every case
    scored = [name for fold in report["folds"] for name in fold["cases"]]
    assert sorted(scored) == sorted(c.case.case for c in table.cases)  # each case scored exactly once
    for fold, trained in zip(report["folds"], calls):
        assert not trained & set(fold["cases"])
        assert trained | set(fold["cases"]) == {c.case.case for c in table.cases}
    assert calls[-1] == {c.case.case for c in table.cases}
    assert report["fit_all"]["trained_on"] == len(table.cases)


def test_cross_validation_refuses_a_model_that_saw_the_case() -> None:
    table = _table()

    def leaky(table: FitTable, train: Sequence[int]) -> Model:
        return fit_model(table, range(len(table.cases)))

    with pytest.raises(LeakError):
        cross_validate(table, folds=3, seed=0, fitter=leaky)


def test_cross_validation_separates_clear_cases_and_reports_fields() -> None:
    report = cross_validate(_table(), folds=0)
    assert report["scheme"] == "leave-one-out"
    assert list(report) == ["scheme", "seed", "stratified_by", "rows", "reliability", "folds", "fit_all", "production"]
    overall = report["rows"][0]
    assert overall["right"]["n"] == 18
    a, b = CALIBRATION  # the production line, read back through the production calibration
    assert report["production"]["abstain_raw"] == pytest.approx(
        (math.log(ABSTAIN_BELOW / (1 - ABSTAIN_BELOW)) - b) / a, abs=0.01
    )


def test_fit_prefers_the_weights_that_handle_more_training_cases_right() -> None:
    cases = (*(_cached(f"c{n}", "x", "x") for n in range(4)), _cached("n", "none", None))
    tops = (
        tuple(("y", 0.9) for _ in cases),  # production weights: every top wrong
        (*(("x", 0.9) for _ in cases[:4]), ("x", 0.2)),  # other weights: every known top right, the none low
    )
    other = {**DEFAULT_WEIGHTS, "lexical": 0.75}
    model = fit_model(FitTable(cases, {}, (dict(DEFAULT_WEIGHTS), other), tops), range(5))
    assert model.weights == other
    assert model.cut_raw <= 0.9 and calibrated(0.9, model.calibration) >= model.threshold
    assert model.high == pytest.approx(HIGH)  # "high" is a calibrated 0.8, not fitted
    assert raw_at(model.threshold, model.calibration) == pytest.approx(model.cut_raw)


def test_fit_keeps_every_kb_example_first_above_the_line() -> None:
    cases = tuple(_cached(f"c{n}", "x", "x") for n in range(4))
    right = tuple(("x", 0.9) for _ in cases)
    other = {**DEFAULT_WEIGHTS, "lexical": 0.75}
    # the better weights lose a KB example (floor -1): the fit must take the others
    model = fit_model(FitTable(cases, {}, (dict(DEFAULT_WEIGHTS), other), (right, right), (0.5, -1.0)), range(4))
    assert model.weights == DEFAULT_WEIGHTS
    assert calibrated(0.5, model.calibration) >= model.threshold  # the KB's weakest example stays answered
    with pytest.raises(FitError):
        fit_model(FitTable(cases, {}, (other,), (right,), (-1.0,)), range(4))


def test_platt_is_finite_and_monotonic_on_separable_data() -> None:
    a, b = platt([0.2, 0.3, 0.4, 0.8, 0.9, 1.0], [False, False, False, True, True, True])
    assert math.isfinite(a) and math.isfinite(b) and a > 0

    def p(x: float) -> float:
        return 1 / (1 + math.exp(-(a * x + b)))

    assert p(0.2) < 0.5 < p(0.9) < 0.99  # smoothed targets keep it from claiming certainty
    assert platt([], []) == (1.0, 0.0)
