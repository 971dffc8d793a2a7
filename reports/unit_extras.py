"""What issue 17 adds to a unit's page: its response rate and coverage, the funnel plot of its
sub-units (class and rank range of each), and Decision 766's yardstick month by month."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from agencies.models import Unit

from . import coverage, fairness, funnel_svg, yardstick
from .selectors import Period

YARDSTICK_MONTHS = 12


def for_unit(*, unit: Unit, period: Period, scope: str, method: str, children: list) -> dict[str, Any]:
    """The template context of the unit page's issue-17 sections; a fixed number of queries."""
    child_units = [c for c, _f in children]
    fair = fairness.compare_units(
        units=[(c.id, c.code, c.name) for c in child_units],
        centre_unit=unit,
        period=period,
        method=method,
        dimension=None,
        procedure=None,
        min_responses=settings.MIN_RESPONSES_FOR_RANKING,
    )
    wanted = [unit.id] + [c.id for c in child_units]
    cov = coverage.for_units(wanted, period, scope)
    if scope != "subtree":
        cov.update({k: v for k, v in coverage.for_units([c.id for c in child_units], period).items()})
    last = Period("month", period.end.replace(day=1))
    months = [last]
    for _i in range(YARDSTICK_MONTHS - 1):
        months.append(months[-1].previous())
    return {
        "coverage": cov[unit.id],
        "children_fair": fair,
        "children_funnel": funnel_svg.chart(fair) if child_units else None,
        "children_extra": {c.id: (fair.get(c.id), cov.get(c.id)) for c in child_units},
        "yardstick_months": yardstick.monthly(unit.id, list(reversed(months))),
        "response_rate_floor": 100 * settings.RESPONSE_RATE_FLOOR,
        "yardstick_formula": yardstick.FORMULA,
        "yardstick_source": yardstick.SOURCE,
    }
