"""The pure scoring math (no database): periods, ratio estimates, intervals, change tests."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from reports import scoring


def sums(pairs):
    """n, Σx, Σy, Σx², Σy², Σxy of per-response (x, y) pairs."""
    return (
        len(pairs),
        sum(x for x, _ in pairs),
        sum(y for _, y in pairs),
        sum(x * x for x, _ in pairs),
        sum(y * y for _, y in pairs),
        sum(x * y for x, y in pairs),
    )


def test_hand_example_three_responses():
    # README worked example: x = rated answers, y = answers rated 4–5 (SIPAS) of each response.
    est = scoring.ratio_estimate(*sums([(4, 2), (3, 2), (4, 3)]))
    assert est.index == pytest.approx(100 * 7 / 11)  # 63.64
    # Σe² = (−6/11)² + (1/11)² + (5/11)² = 62/121; Var = 3/2 · (62/121) / 11² = 93/14641
    assert est.variance == pytest.approx(93 / 14641)
    half = 100 * 1.959963984540054 * math.sqrt(93 / 14641)
    assert est.ci_low == pytest.approx(100 * 7 / 11 - half)  # 48.02
    assert est.ci_high == pytest.approx(100 * 7 / 11 + half)  # 79.26
    assert round(est.ci_low, 2) == 48.02 and round(est.ci_high, 2) == 79.26


def test_interval_is_clipped_to_0_100_and_empty_below_two_responses():
    high = scoring.ratio_estimate(*sums([(3, 3), (2, 2), (1, 0)]))
    assert high.ci_high == 100.0 and 0 <= high.ci_low < high.index
    one = scoring.ratio_estimate(*sums([(5, 4)]))
    assert one.index == 80.0 and one.ci_low is None and one.ci_high is None
    assert scoring.ratio_estimate(0, 0, 0, 0, 0, 0).index is None


def test_identical_responses_have_a_zero_width_interval_and_no_significant_change():
    same = scoring.ratio_estimate(*sums([(2, 2)] * 40))
    assert (same.index, same.ci_low, same.ci_high) == (100.0, 100.0, 100.0)
    change, significant = scoring.change_test(same, same)
    assert change == 0.0 and significant is False


def test_change_is_significant_only_when_the_z_test_rejects():
    before = scoring.ratio_estimate(*sums([(4, 3), (4, 2), (4, 4), (4, 3)] * 4))  # 75%
    slightly = scoring.ratio_estimate(*sums([(4, 3), (4, 3), (4, 4), (4, 3)] * 4))  # 81.25%
    much = scoring.ratio_estimate(*sums([(4, 4), (4, 4), (4, 4), (4, 3)] * 4))  # 93.75%
    change, significant = scoring.change_test(slightly, before)
    assert change == pytest.approx(6.25) and significant is False
    change, significant = scoring.change_test(much, before)
    assert change == pytest.approx(18.75) and significant is True
    # By hand: z = 0.1875 / sqrt(Var1 + Var0)
    z = 0.1875 / math.sqrt(much.variance + before.variance)
    assert z > 1.96


def test_vectorised_figures_equal_the_scalar_ones():
    cases = [[(4, 2), (3, 2), (4, 3)], [(5, 5)], [(1, 0), (2, 1), (3, 3), (4, 1)], [(2, 2)] * 3]
    arrays = np.array([sums(c) for c in cases], dtype=float).T
    out = scoring.ratio_estimate_arrays(*arrays)
    for i, case in enumerate(cases):
        est = scoring.ratio_estimate(*sums(case))
        for name in ("index", "ci_low", "ci_high", "variance"):
            value = getattr(est, name)
            if value is None:
                assert math.isnan(out[name][i])
            else:
                assert out[name][i] == pytest.approx(value)


def test_finish_marks_the_minimum_sample_and_the_mean():
    figures = scoring.finish(
        {
            "responses": np.array([29, 30]),
            "answers": np.array([100, 100]),
            "satisfied": np.array([80, 90]),
            "not_dissatisfied": np.array([90, 95]),
            "dissatisfied": np.array([10, 5]),
            "sum_values": np.array([400, 420]),
            "sum_x2": np.array([400, 400]),
            "sum_y2_sipas": np.array([260, 300]),
            "sum_xy_sipas": np.array([320, 360]),
            "sum_y2_766": np.array([300, 320]),
            "sum_xy_766": np.array([360, 380]),
        },
        min_responses=30,
    )
    assert figures["enough_responses"].tolist() == [False, True]
    assert figures["mean"].tolist() == [4.0, 4.2]
    assert figures["index_sipas"].tolist() == [80.0, 90.0]
    assert figures["index_766"].tolist() == [90.0, 95.0]


@pytest.mark.parametrize(
    ("day", "kind", "start", "previous", "following"),
    [
        (date(2025, 3, 1), "day", date(2025, 3, 1), date(2025, 2, 28), date(2025, 3, 2)),
        (date(2024, 2, 29), "month", date(2024, 2, 1), date(2024, 1, 1), date(2024, 3, 1)),
        (date(2025, 1, 15), "month", date(2025, 1, 1), date(2024, 12, 1), date(2025, 2, 1)),
        (date(2025, 12, 31), "quarter", date(2025, 10, 1), date(2025, 7, 1), date(2026, 1, 1)),
        (date(2025, 2, 10), "quarter", date(2025, 1, 1), date(2024, 10, 1), date(2025, 4, 1)),
        (date(2025, 7, 1), "year", date(2025, 1, 1), date(2024, 1, 1), date(2026, 1, 1)),
    ],
)
def test_periods(day, kind, start, previous, following):
    assert scoring.period_start(day, kind) == start
    assert scoring.previous_period_start(start, kind) == previous
    assert scoring.next_period_start(start, kind) == following


def test_unknown_period_type_is_refused():
    with pytest.raises(ValueError):
        scoring.period_start(date(2025, 1, 1), "week")


def test_unanimous_answers_have_an_interval_of_zero_width_even_with_large_sums():
    # 40,000 responses of 16 answers each, every one satisfied in 80% of its answers (x=5, y=4):
    # the residual is exactly zero; subtraction in floats leaves ±1e-6 points without the guard.
    n, x, y = 40_000, 5, 4
    sums = {"n": n, "sx": n * x, "sy": n * y, "sxx": n * x * x, "syy": n * y * y, "sxy": n * x * y}
    scalar = scoring.ratio_estimate(**sums)
    assert (scalar.index, scalar.ci_low, scalar.ci_high) == (80.0, 80.0, 80.0)
    arrays = scoring.ratio_estimate_arrays(*([v] for v in sums.values()))
    assert arrays["ci_low"][0] == arrays["ci_high"][0] == 80.0
