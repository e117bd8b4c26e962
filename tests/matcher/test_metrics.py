"""Counts, Wilson intervals and the reliability table of ``peft-why eval``."""

from __future__ import annotations

import pytest

from peft_why.matcher.metrics import count, reliability, wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_intervals(k: int, n: int, low: float, high: float) -> None:
    interval = wilson(k, n)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_wilson_is_symmetric_and_stays_inside_zero_one() -> None:
    low, high = wilson(3, 10) or (0.0, 0.0)
    mirror_low, mirror_high = wilson(7, 10) or (0.0, 0.0)
    assert (low, high) == pytest.approx((1 - mirror_high, 1 - mirror_low))
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) is None


def test_count_of_an_empty_slice_has_no_ratio_or_interval() -> None:
    assert count(0, 0) == {"n": 0, "of": 0, "ratio": None, "ci95": None}
    assert count(1, 2)["ci95"] == [0.0945, 0.9055]


def test_reliability_bins_by_score_and_counts_right_answers() -> None:
    rows = reliability([(0.95, True), (0.92, False), (0.55, False), (1.0, True), (0.1, False)])
    by_bucket = {row["bucket"]: row for row in rows}
    assert by_bucket["0.9-1.0"]["right"]["n"] == 2 and by_bucket["0.9-1.0"]["right"]["of"] == 3
    assert by_bucket["0.5-0.6"]["right"]["of"] == 1
    assert by_bucket["0.0-0.5"]["mean_score"] == 0.1
    assert by_bucket["0.7-0.8"]["right"]["ratio"] is None
