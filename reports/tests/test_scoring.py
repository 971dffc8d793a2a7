"""The pure scoring math (no database): periods, ratio estimates, intervals, change tests."""

from __future__ import annotations

import math

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
    # The worked example of docs/methodology.md: x = rated answers, y = answers rated 4–5 (SIPAS) of each response.
    est = scoring.ratio_estimate(*sums([(4, 2), (3, 2), (4, 3)]))
    assert est.index == pytest.approx(100 * 7 / 11)  # 63.64
    # Σe² = (−6/11)² + (1/11)² + (5/11)² = 62/121; Var = 3/2 · (62/121) / 11² = 93/14641
    assert est.variance == pytest.approx(93 / 14641)
    # Korn–Graubard: n_eff = r(1−r)/Var = (28/121)/(93/14641) = 36.4 > 11 rated answers → 11, x_eff = 7:
    # Clopper–Pearson of 7 of 11. At the edges the exact binomial tails hold by definition:
    # P(X ≥ 7 | p = low) = 0.025 and P(X ≤ 7 | p = high) = 0.025 for X ~ Binomial(11, p).
    assert round(est.ci_low, 2) == 30.79 and round(est.ci_high, 2) == 89.07
    assert _binomial_tail_at_least(7, 11, est.ci_low / 100) == pytest.approx(0.025, abs=1e-9)
    assert 1 - _binomial_tail_at_least(8, 11, est.ci_high / 100) == pytest.approx(0.025, abs=1e-9)


def _binomial_tail_at_least(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_effective_size_is_capped_at_the_rated_answers_and_used_when_it_is_smaller():
    # Strongly clustered: two responses all-satisfied, two all-dissatisfied, 10 answers each.
    pairs = [(10, 10), (10, 10), (10, 0), (10, 0)]
    est = scoring.ratio_estimate(*sums(pairs))
    n_eff = float(scoring.effective_size(0.5, est.variance, 40))
    assert n_eff == pytest.approx(0.25 / est.variance) and n_eff < 40  # 3 clusters' worth, not 40 answers
    x = 0.5 * n_eff
    # Clopper–Pearson with non-integer sizes: the regularised incomplete beta at the ends is 0.025.
    from scipy.special import betainc

    assert betainc(x, n_eff - x + 1, est.ci_low / 100) == pytest.approx(0.025)
    assert betainc(x + 1, n_eff - x, est.ci_high / 100) == pytest.approx(0.975)
    assert est.ci_high - est.ci_low > 60  # honest about four clustered responses


def test_interval_is_clipped_to_0_100_and_empty_below_two_responses():
    high = scoring.ratio_estimate(*sums([(3, 3), (2, 2), (1, 0)]))
    assert 0 <= high.ci_low < high.index < high.ci_high <= 100.0
    one = scoring.ratio_estimate(*sums([(5, 4)]))
    assert one.index == 80.0 and one.ci_low is None and one.ci_high is None
    assert scoring.ratio_estimate(0, 0, 0, 0, 0, 0).index is None


def test_identical_responses_have_a_real_interval_and_no_significant_change():
    # F5: the Wald interval was [100, 100]. Var = 0, so n_eff = the 80 rated answers: [0.025^(1/80), 1].
    same = scoring.ratio_estimate(*sums([(2, 2)] * 40))
    assert same.index == 100.0 and same.ci_high == 100.0
    assert same.ci_low == pytest.approx(100 * 0.025 ** (1 / 80))  # 95.49
    none = scoring.ratio_estimate(*sums([(2, 0)] * 40))
    assert none.ci_low == 0.0 and none.ci_high == pytest.approx(100 * (1 - 0.025 ** (1 / 80)))
    change, significant = scoring.change_test(same, same)
    assert change == 0.0 and significant is False


def test_change_is_not_comparable_when_either_period_has_too_few_responses():
    # F4: a month with n = 33 against one with n = 2 at 100 %.
    now = scoring.ratio_estimate(*sums([(4, 3)] * 33))
    before = scoring.ratio_estimate(*sums([(4, 4)] * 2))
    assert scoring.change_test(now, before)[0] is not None
    kwargs = {"responses": 33, "previous_responses": 2, "min_responses": 30}
    assert scoring.change_test(now, before, **kwargs) == (None, False)
    assert scoring.change_test(now, now, responses=33, previous_responses=33, min_responses=30)[0] == 0.0


def test_wilson_fallback_on_the_effective_size_never_has_zero_width():
    low, high = scoring.korn_graubard(
        np.array([1.0, 0.5]), np.array([0.0, 0.01]), np.array([20, 100]), method="wilson-neff"
    )
    assert high[0] == 1.0 and 0.8 < low[0] < 1.0
    # Wilson on n_eff = 0.25 / 0.01 = 25
    z = 1.959963984540054
    centre, half = 0.5, z / (1 + z * z / 25) * math.sqrt(0.25 / 25 + z * z / (4 * 625))
    assert (low[1], high[1]) == (pytest.approx(centre - half), pytest.approx(centre + half))


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


def test_unanimous_answers_have_an_interval_of_zero_width_even_with_large_sums():
    # 40,000 responses of 16 answers each, every one satisfied in 80% of its answers (x=5, y=4):
    # the residual is exactly zero; subtraction in floats leaves ±1e-6 points without the guard.
    n, x, y = 40_000, 5, 4
    sums = {"n": n, "sx": n * x, "sy": n * y, "sxx": n * x * x, "syy": n * y * y, "sxy": n * x * y}
    scalar = scoring.ratio_estimate(**sums)
    assert scalar.index == 80.0 and scalar.variance == 0.0
    # Var = 0 → n_eff = the 200,000 rated answers: narrow, but never zero width.
    assert 79.7 < scalar.ci_low < 80.0 < scalar.ci_high < 80.3
    arrays = scoring.ratio_estimate_arrays(*([v] for v in sums.values()))
    assert arrays["variance"][0] == 0.0
    assert (arrays["ci_low"][0], arrays["ci_high"][0]) == (pytest.approx(scalar.ci_low), pytest.approx(scalar.ci_high))
