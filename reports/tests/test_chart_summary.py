"""The dashboard's charts have a text summary: highest and lowest element, the trend's ends."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.utils import translation

from reports.figures import Figures
from reports.periods import Period
from reports.templatetags.chart_summary import dimensions_summary, trend_summary


def figures(index: float | None, responses: int = 100) -> Figures:
    return Figures({"index_sipas": index, "responses": responses, "enough_responses": index is not None})


def test_dimensions_summary_names_the_highest_and_lowest_element():
    rows = [
        (SimpleNamespace(name="Access"), figures(91.25)),
        (SimpleNamespace(name="Feedback"), figures(84.0)),
        (SimpleNamespace(name="Civil servants"), figures(95.5)),
        (SimpleNamespace(name="Results"), figures(None, responses=3)),
    ]
    with translation.override("en"):
        assert dimensions_summary(rows) == "Highest: Civil servants, 95.5%. Lowest: Feedback, 84.0%."
        assert dimensions_summary(rows[3:]) == "No element has enough answers for an index yet."
    with translation.override("vi"):
        assert "95,5%" in dimensions_summary(rows)


def test_trend_summary_gives_both_ends_and_the_extremes():
    points = [
        {"period": Period("month", date(2026, m, 1)), "unit": figures(v)}
        for m, v in [(1, None), (2, 80.0), (3, 88.5), (4, 79.0), (5, 85.0)]
    ]
    with translation.override("en"):
        assert trend_summary(points) == (
            "From 2026-02 to 2026-05 the index went from 80.0% to 85.0%; "
            "highest 88.5% (2026-03), lowest 79.0% (2026-04)."
        )
        assert trend_summary(points[:1]) == "No month has enough answers for an index yet."
