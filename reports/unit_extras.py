"""What issue 17 adds to a unit's page: its response rate and coverage, the funnel plot of its
sub-units (class and rank range of each), and Decision 766's yardstick month by month."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from agencies.models import Unit

from . import coverage, fairness, funnel_svg, yardstick
from .periods import Period

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


def export_tables(ctx: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The unit export's extra sheets: coverage of the unit and its sub-units, the yardstick by month."""
    from django.utils.translation import gettext as _

    from . import compare_extras

    unit, period = ctx["unit"], ctx["period"]
    cov = ctx["coverage"]
    head = [_("Unit code"), _("Unit"), _("Reporting period")] + compare_extras.columns()[4:16]
    rows = [[unit.code, unit.name, period.key] + _coverage_values(cov)]
    for child, _f in ctx["dash"].children:
        _fair, c = ctx["children_extra"].get(child.id, (None, None))
        if c is not None:
            rows.append([child.code, child.name, period.key] + _coverage_values(c))
    y_head = [
        _("Unit code"),
        _("Reporting period"),
        _("Decision 766 share, numerator (our reading)"),
        _("Decision 766 share, denominator (our reading)"),
        _("Decision 766 share (%, our reading)"),
        _("Decision 766 points of 6 (our reading)"),
    ]
    y_rows = [
        [
            unit.code,
            m.key,
            y.numerator,
            y.denominator,
            round(y.share, 2) if y.share is not None else None,
            round(y.points, 2),
        ]
        for m, y in ctx["yardstick_months"]
    ]
    return {_("Response rate and coverage"): (head, rows), _("Decision 766 yardstick (our reading)"): (y_head, y_rows)}


def _coverage_values(c) -> list[Any]:
    from django.utils.translation import gettext as _

    return [
        c.issued,
        c.answered,
        c.expired,
        round(c.rate_pct, 1) if c.rate_pct is not None else None,
        _("yes") if c.below_floor else _("no"),
        c.kiosk_sessions,
        c.channel("receipt"),
        c.channel("kiosk"),
        c.channel("online"),
        c.channel("link"),
        c.by_kind.get("individual", 0),
        c.by_kind.get("organisation", 0),
    ]
