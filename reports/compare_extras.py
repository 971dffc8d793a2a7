"""What issue 17 adds to the comparison and its exports: the funnel (classification, rank range),
response rates and coverage, and Decision 766's yardstick — computed here so that the shared
views, selectors and export modules only call one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from agencies.models import Unit

from . import coverage as coverage_mod
from . import fairness, funnel_svg, geo, yardstick
from .figures import CompareRow
from .periods import Period

# Extra sort keys of the comparison (selectors.COMPARE_SORTS lists them for the form).
SORTS = ("response_rate", "points766", "rank_range")


@dataclass(frozen=True)
class RowExtras:
    fair: fairness.Fair | None
    coverage: coverage_mod.Coverage
    yardstick: yardstick.Yardstick


@dataclass
class Extras:
    fair: fairness.Comparison
    coverage: dict[int, coverage_mod.Coverage]
    yardstick: dict[int, yardstick.Yardstick]

    def row(self, unit_id: int) -> RowExtras:
        return RowExtras(
            self.fair.get(unit_id),
            self.coverage.get(unit_id) or coverage_mod.Coverage(),
            self.yardstick.get(unit_id) or yardstick.EMPTY,
        )

    def funnel(self) -> dict | None:
        return funnel_svg.chart(self.fair)

    @property
    def low_coverage(self) -> int:
        return sum(1 for c in self.coverage.values() if c.below_floor)


def for_rows(
    rows: list[CompareRow],
    *,
    centre_unit: Unit | None,
    period: Period,
    method: str,
    dimension=None,
    procedure=None,
    min_responses: int,
) -> Extras:
    """Everything issue 17 shows beside the comparison's rows, in a fixed number of queries."""
    ids = [r.unit.id for r in rows]
    fair = fairness.compare_units(
        units=[(r.unit.id, r.unit.code, r.unit.name) for r in rows],
        centre_unit=centre_unit,
        period=period,
        method=method,
        dimension=dimension,
        procedure=procedure,
        min_responses=min_responses,
    )
    return Extras(fair, coverage_mod.for_units(ids, period), yardstick.for_units(ids, period))


def map_for(rows: list[CompareRow], extras: Extras) -> dict | None:
    """The choropleth of the territorial units among the rows (the centre unit left out)."""
    centre = extras.fair.centre_unit
    candidates = [
        r
        for r in rows
        if r.unit.kind in geo.TERRITORIAL
        and (centre is None or r.unit.id != centre.id)
        and extras.fair.get(r.unit.id) is not None
    ]
    boundaries = geo.boundaries_of([r.unit.id for r in candidates])
    if not boundaries:
        return None  # no map for these units: skip the work of naming a thousand areas
    not_enough = str(fairness.CLASS_LABELS["not_enough"]).lower()
    areas = []
    for r in candidates:
        f = extras.fair.get(r.unit.id)
        figure = geo.pct(r.focus.index) if r.focus.enough else not_enough
        areas.append(geo.Area(r.unit.id, r.unit.code, r.unit.name, f.classification, f.short_label, figure))
    return geo.choropleth(areas, boundaries)


def sort_rows(rows: list[CompareRow], extras: Extras, key: str, descending: bool) -> list[CompareRow]:
    """Sort by one of SORTS; rows without the figure go last whatever the direction."""
    if key == "response_rate":
        return coverage_mod.sort_rows(rows, extras.coverage, descending)

    def value(row: CompareRow):
        x = extras.row(row.unit.id)
        if key == "points766":
            return None if x.yardstick.no_dossiers else x.yardstick.points
        if key == "rank_range":
            return None if x.fair is None or x.fair.rank_low is None else (x.fair.rank_low, x.fair.rank_high)
        raise ValueError(key)

    present = [r for r in rows if value(r) is not None]
    missing = sorted((r for r in rows if value(r) is None), key=lambda r: r.unit.code)
    present.sort(key=value, reverse=descending)
    return present + missing


def headers() -> list[tuple[str, str]]:
    """The comparison table's sortable columns added by issue 17 (after the elements)."""
    return [("response_rate", _("Response rate")), ("points766", _("Decision 766 points"))]


def columns() -> list[str]:
    return [
        _("Classification (funnel plot, 95% limits)"),
        _("Beyond the 99.8% limit"),
        _("Rank range (2.5–97.5%)"),
        _("Effective sample size"),
        _("Receipts issued"),
        _("Receipts answered"),
        _("Receipts expired unanswered"),
        _("Response rate (%)"),
        _("Response rate below the floor"),
        _("Kiosk sessions"),
        _("Responses by receipt"),
        _("Responses by kiosk"),
        _("Responses to online dossiers"),
        _("Responses by open link"),
        _("Responses from individuals"),
        _("Responses from organisations and businesses"),
        _("Decision 766 share, numerator (our reading)"),
        _("Decision 766 share, denominator (our reading)"),
        _("Decision 766 share (%, our reading)"),
        _("Decision 766 points of 6 (our reading)"),
    ]


def values(x: RowExtras) -> list[Any]:
    f, c, y = x.fair, x.coverage, x.yardstick
    return [
        str(fairness.CLASS_LABELS[f.classification]) if f else "",
        (_("yes") if f.placed.beyond998 else _("no")) if f and f.classification != "not_enough" else "",
        f.rank_range if f else "",
        round(f.n_eff, 1) if f and f.n_eff is not None else None,
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
        y.numerator,
        y.denominator,
        round(y.share, 2) if y.share is not None else None,
        round(y.points, 2),
    ]


def extend_table(
    head: list[str], body: list[list[Any]], rows: list[CompareRow], extras: Extras
) -> tuple[list[str], list[list[Any]]]:
    """The comparison export's table with issue 17's columns appended (rows in the same order)."""
    return head + columns(), [line + values(extras.row(r.unit.id)) for line, r in zip(body, rows)]


def notes(extras: Extras) -> list[tuple[str, str]]:
    """The export's "About" sheet: how the extra columns are computed."""
    centre = extras.fair.centre
    return [
        (
            _("Funnel plot centre"),
            (f"{100 * centre:.2f}%" if centre is not None else "—")
            + (f" — {extras.fair.centre_unit}" if extras.fair.centre_unit else ""),
        ),
        (
            _("Classification"),
            _(
                "Above or below expected only outside the 95% control limits p₀ ± z·√(p₀(1−p₀)/n_eff) around the "
                "parent's pooled rate p₀ (Spiegelhalter 2005); n_eff is the effective sample size of the interval."
            ),
        ),
        (
            _("Rank range"),
            _("2.5–97.5% range of ranks over 1,000 simulated draws from each unit's sampling distribution."),
        ),
        (_("Response rate"), _("Receipts answered / receipts issued in the period.")),
        (
            _("Decision 766 points (our reading)"),
            f"{yardstick.FORMULA}; r = {_('not-dissatisfied answers / rated answers')}; {yardstick.SOURCE}",
        ),
    ]
