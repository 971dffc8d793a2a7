"""The funnel plot's limits, classification and rank ranges against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from reports import funnel
from reports.funnel import ABOVE, BELOW, NOT_ENOUGH, WITHIN, Point


def one_answer_each(key: str, responses: int, satisfied: int) -> Point:
    """Responses of one rated answer each: x = 1, y = 0 or 1 (no clustering)."""
    return Point(key, responses, responses, satisfied, responses, satisfied, satisfied)


def test_control_limits_and_classification_match_the_hand_computed_case():
    # Centre 0.80. Each unit below: 100 responses of one answer, so
    # Σe² = Σy − 2r·Σy + r²·Σx, Var = 100/99 · Σe² / 100², n_eff = r(1 − r)/Var = 99 exactly.
    # Limits at n = 99: 0.8 ± 1.959964 · √(0.16/99) = 0.8 ± 0.078794 → [0.721206, 0.878794];
    #                   0.8 ± 3.090232 · √(0.16/99) = 0.8 ± 0.124232 → [0.675768, 0.924232].
    centre = 0.80
    above = funnel.place(one_answer_each("A", 100, 90), centre, 30)
    within = funnel.place(one_answer_each("B", 100, 80), centre, 30)
    below = funnel.place(one_answer_each("C", 100, 70), centre, 30)
    far_below = funnel.place(one_answer_each("D", 100, 60), centre, 30)

    assert above.n_eff == pytest.approx(99.0)
    assert above.lower95 == pytest.approx(0.721206, abs=1e-6)
    assert above.upper95 == pytest.approx(0.878794, abs=1e-6)
    assert above.lower998 == pytest.approx(0.675768, abs=1e-6)
    assert above.upper998 == pytest.approx(0.924232, abs=1e-6)

    assert (above.classification, above.beyond998) == (ABOVE, False)  # 0.90: outside 95 %, inside 99.8 %
    assert (within.classification, within.beyond998) == (WITHIN, False)
    assert (below.classification, below.beyond998) == (BELOW, False)  # 0.70: between 0.67577 and 0.72121
    assert (far_below.classification, far_below.beyond998) == (BELOW, True)  # 0.60 < 0.6758


def test_effective_size_accounts_for_answers_of_one_response_being_correlated():
    # 50 responses of 5 rated answers: 25 with 5 satisfied, 25 with 3. r = 200/250 = 0.8,
    # Σe² = 850 − 2·0.8·1000 + 0.64·1250 = 50, Var = 50/49 · 50/250² = 0.000816327,
    # n_eff = 0.16 / Var = 196 (fewer than the 250 rated answers).
    point = Point("X", 50, 250, 200, 1250, 850, 1000)
    placed = funnel.place(point, 0.8, 30)
    assert placed.variance == pytest.approx(50 / 49 * 50 / 250**2)
    assert placed.n_eff == pytest.approx(196.0)
    assert placed.upper95 == pytest.approx(0.8 + funnel.Z95 * math.sqrt(0.16 / 196))


def test_effective_size_is_the_rated_answers_when_every_answer_agrees():
    placed = funnel.place(one_answer_each("P", 40, 40), 0.8, 30)
    assert placed.rate == 1.0
    assert placed.n_eff == 40
    assert placed.classification == ABOVE  # 1.0 > 0.8 + 1.96·√(0.16/40) = 0.924


def test_a_unit_below_the_minimum_of_responses_is_not_classified_whatever_its_rate():
    placed = funnel.place(one_answer_each("S", 29, 29), 0.8, 30)
    assert placed.classification == NOT_ENOUGH
    assert placed.rate == 1.0


def test_a_unit_without_answers_is_not_enough_answers_and_not_placed():
    placed = funnel.place(Point("Z", 0, 0, 0, 0, 0, 0), 0.8, 30)
    assert placed.classification == NOT_ENOUGH
    assert placed.rate is None and placed.n_eff is None


def test_limits_are_clipped_to_the_unit_interval():
    assert funnel.limits(0.97, 4, funnel.Z998) == (pytest.approx(0.97 - 3.090232 * math.sqrt(0.97 * 0.03 / 4)), 1.0)


def test_rank_ranges_separate_clearly_different_units_and_overlap_for_close_ones():
    centre = 0.8
    placed = [
        funnel.place(one_answer_each("best", 400, 380), centre, 30),  # 0.95, sd 0.011
        funnel.place(one_answer_each("close1", 400, 320), centre, 30),  # 0.80
        funnel.place(one_answer_each("close2", 400, 322), centre, 30),  # 0.805: noise apart from close1
        funnel.place(one_answer_each("worst", 400, 200), centre, 30),  # 0.50
        funnel.place(one_answer_each("few", 10, 10), centre, 30),  # not ranked
    ]
    ranges = funnel.rank_ranges(placed)
    assert ranges["best"] == (1, 1)
    assert ranges["worst"] == (4, 4)
    assert ranges["close1"] == (2, 3)
    assert ranges["close2"] == (2, 3)
    assert "few" not in ranges


def test_rank_ranges_are_the_same_on_every_call_and_whatever_the_order_given():
    placed = [funnel.place(one_answer_each(f"u{i}", 60 + i, 45 + i % 7), 0.8, 30) for i in range(20)]
    first = funnel.rank_ranges(placed)
    assert funnel.rank_ranges(list(reversed(placed))) == first
    assert all(1 <= lo <= hi <= 20 for lo, hi in first.values())


def test_units_of_identical_figures_share_their_ranks():
    placed = [funnel.place(one_answer_each(k, 50, 50), 0.8, 30) for k in ("a", "b")]
    assert funnel.rank_ranges(placed) == {"a": (1, 1), "b": (1, 1)}


def test_funnel_curve_narrows_as_the_size_grows():
    curve = funnel.funnel_curve(0.8, 10, 1000, funnel.Z95, steps=10)
    widths = [hi - lo for _n, lo, hi in curve]
    assert curve[0][0] == pytest.approx(10) and curve[-1][0] == pytest.approx(1000)
    assert widths == sorted(widths, reverse=True)
