"""Reads for dashboards, the comparison, exports, the score API and open data.

Rule protected: dashboards read Score rows only, never raw answers (DESIGN.md, Performance) —
the one exception is the comments list, which reads the already-masked `Response.comment`, a
page at a time. Every function takes units that the caller already obtained through
`agencies.permissions`; none of them decides access. Query counts do not depend on the number
of units: each read is one query over all the units it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Procedure, Unit
from surveys.models import Answer, Dimension, Response

from .figures import (
    SCORE_FIELDS,
    CompareRow,
    Figures,
    UnitRow,
    min_responses,  # noqa: F401 (the views read it from here)
)
from .models import OpenDataPublication, PeriodType, RollupRun, Scope, Score, scope_q
from .periods import Period, add_months

DASHBOARD_PERIOD_TYPES = (PeriodType.MONTH, PeriodType.QUARTER, PeriodType.YEAR)

# --------------------------------------------------------------------------- periods


def current_period(period_type: str = PeriodType.MONTH) -> Period:
    return Period.containing(period_type, timezone.localdate())


def latest_period(period_type: str = PeriodType.MONTH, *, unit: Unit | None = None) -> Period:
    """The default period: the newest complete one with scores (for the unit, if given).

    The current period is still filling up (on the 3rd of a month nearly every unit has "not
    enough answers"), so it is the default only when no earlier period has scores.
    """
    current = current_period(period_type)
    rows = Score.objects.in_scope(Scope.SUBTREE).filter(
        period_type=period_type, dimension__isnull=True, procedure__isnull=True, period_start__lte=current.start
    )
    if unit is not None:
        rows = rows.filter(unit=unit)
    found = rows.aggregate(
        complete=Max("period_start", filter=Q(period_start__lt=current.start)), any=Max("period_start")
    )
    newest = found["complete"] or found["any"]
    return Period(period_type, newest) if newest else current


# --------------------------------------------------------------------------- figures


def _score_rows(scope: str, **filters) -> QuerySet:
    return Score.objects.in_scope(scope).filter(**filters).values(*SCORE_FIELDS)


def dimensions() -> list[Dimension]:
    return list(Dimension.objects.all())


# --------------------------------------------------------------------------- the unit dashboard


@dataclass
class UnitDashboard:
    unit: Unit
    period: Period
    scope: str
    method: str
    overall: Figures
    dimension_rows: list[tuple[Dimension, Figures]]
    dimension_mean: float | None
    procedure_rows: list[tuple[Procedure, Figures]]
    trend: list[dict[str, Any]]
    city: Unit | None
    children: list[tuple[Unit, Figures]] = field(default_factory=list)
    channels: list[Any] = field(default_factory=list)  # reports.channels.ChannelFigures, set by the view


def unit_dashboard(
    *,
    unit: Unit,
    period: Period,
    scope: str = Scope.SUBTREE,
    method: str = "sipas",
    ancestors: list[Unit] | None = None,
    trend_months: int = 24,
) -> UnitDashboard:
    """Everything the unit page shows, in a fixed number of queries whatever the size of the tree."""
    dims = dimensions()
    rows = list(
        _score_rows(scope, unit=unit, period_type=period.type, period_start=period.start, procedure__isnull=True)
    )
    by_dim = {r["dimension_id"]: r for r in rows}
    overall = Figures(by_dim.get(None), method)
    dimension_rows = [(d, Figures(by_dim.get(d.id), method)) for d in dims]
    shown = [f.index for _d, f in dimension_rows if f.enough and f.index is not None]
    dimension_mean = sum(shown) / len(shown) if shown and len(shown) == len(dims) else None

    procedure_scores = list(
        Score.objects.in_scope(scope)
        .filter(
            unit=unit,
            period_type=period.type,
            period_start=period.start,
            dimension__isnull=True,
            procedure__isnull=False,
        )
        .select_related("procedure")
        .order_by("-responses", "procedure__code")
    )
    procedure_rows = [(s.procedure, Figures(_as_row(s), method)) for s in procedure_scores]

    city = ancestors[0] if ancestors else None
    trend = monthly_trend(unit=unit, city=city, scope=scope, method=method, until=period.end, months=trend_months)
    children = child_rows(unit=unit, period=period, method=method)
    return UnitDashboard(
        unit=unit,
        period=period,
        scope=scope,
        method=method,
        overall=overall,
        dimension_rows=dimension_rows,
        dimension_mean=dimension_mean,
        procedure_rows=procedure_rows,
        trend=trend,
        city=city,
        children=children,
    )


def _as_row(score: Score) -> dict[str, Any]:
    return {name: getattr(score, name) for name in SCORE_FIELDS}


def monthly_trend(
    *, unit: Unit, city: Unit | None, scope: str, method: str, until: date, months: int = 24
) -> list[dict[str, Any]]:
    """The unit's overall index month by month, beside the city's (the root unit's whole subtree)."""
    last = Period.containing(PeriodType.MONTH, until)
    first = Period(PeriodType.MONTH, add_months(last.start, -(months - 1)))
    unit_ids = [unit.id] + ([city.id] if city is not None and city.id != unit.id else [])
    rows = Score.objects.filter(
        (Q(unit_id=unit.id) & scope_q(scope)) | (Q(unit_id__in=unit_ids[1:]) & scope_q(Scope.SUBTREE)),
        period_type=PeriodType.MONTH,
        period_start__gte=first.start,
        period_start__lte=last.start,
        dimension__isnull=True,
        procedure__isnull=True,
    ).values(*SCORE_FIELDS)
    own: dict[date, dict] = {}
    town: dict[date, dict] = {}
    for r in rows:
        if r["unit_id"] == unit.id:
            own[r["period_start"]] = r
        # The city's line is its whole subtree (the unit's own line, when the unit is the city).
        if city is not None and r["unit_id"] == city.id and (city.id != unit.id or scope == Scope.SUBTREE):
            town[r["period_start"]] = r
    points = []
    for i in range(months):
        p = Period(PeriodType.MONTH, add_months(first.start, i))
        mine, theirs = Figures(own.get(p.start), method), Figures(town.get(p.start), method)
        points.append({"period": p, "unit": mine, "city": theirs})
    return points


def child_rows(*, unit: Unit, period: Period, method: str) -> list[tuple[Unit, Figures]]:
    """The direct sub-units with their overall figures (subtree scope), for the drill-down."""
    children = list(Unit.objects.filter(parent=unit).order_by("code"))
    if not children:
        return []
    rows = _score_rows(
        Scope.SUBTREE,
        unit__parent=unit,
        period_type=period.type,
        period_start=period.start,
        dimension__isnull=True,
        procedure__isnull=True,
    )
    by_unit = {r["unit_id"]: r for r in rows}
    # A unit dissolved in a reorganisation is listed only for periods in which it has answers.
    return [(c, Figures(by_unit.get(c.id), method)) for c in children if c.active or c.id in by_unit]


def last_rollup() -> RollupRun | None:
    return RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED).order_by("-started_at", "-pk").first()


# --------------------------------------------------------------------------- comments


def comments(
    *, unit: Unit, scope: str = Scope.SUBTREE, dimension: Dimension | None = None, rating: int | None = None
) -> QuerySet[Response]:
    """The latest non-excluded comments (already masked when stored), newest day first.

    With a dimension and/or a rating, only responses that rated that dimension (with that value)
    are kept. Within a day the order says nothing about the time (reports.anonymity); the page
    shown passes through `anonymity.page_rows`, which adds the mean rating where k allows.
    """
    qs = Response.objects.filter(excluded=False).exclude(comment="")
    qs = qs.filter(unit__path__startswith=unit.path) if scope == Scope.SUBTREE else qs.filter(unit=unit)
    if dimension is not None or rating is not None:
        answers = Answer.objects.filter(response=OuterRef("pk"), kind="rating", value__isnull=False)
        if dimension is not None:
            answers = answers.filter(question__dimension=dimension)
        if rating is not None:
            answers = answers.filter(value=rating)
        qs = qs.filter(Exists(answers))
    from . import anonymity

    return anonymity.within_month_order(qs.select_related("unit", "procedure"))


# --------------------------------------------------------------------------- comparison

COMPARE_SORTS = ("rank", "name", "code", "index", "responses", "change", "mean", "766", "sipas") + (
    "response_rate",  # issue 17: reports.compare_extras sorts by these
    "points766",
    "rank_range",
)


def _compare_scores(
    unit_ids, *, period: Period, procedure: Procedure | None, dimension_ids=None, all_dimensions: bool = False
) -> QuerySet:
    rows = Score.objects.in_scope(Scope.SUBTREE).filter(
        unit_id__in=unit_ids, period_type=period.type, period_start=period.start
    )
    rows = rows.filter(procedure=procedure) if procedure is not None else rows.filter(procedure__isnull=True)
    if not all_dimensions:
        wanted = Q(dimension__isnull=True)
        if dimension_ids:
            wanted |= Q(dimension_id__in=list(dimension_ids))
        rows = rows.filter(wanted)
    return rows.values(*SCORE_FIELDS)


def comparison(
    *,
    units: QuerySet[Unit],
    period: Period,
    method: str = "sipas",
    dimension: Dimension | None = None,
    procedure: Procedure | None = None,
    dims: list[Dimension] | None = None,
    load: list[Dimension] | None = None,
) -> list[CompareRow]:
    """Every given unit with its figures (scope: unit and sub-units) and its rank.

    Rank is by the focus index (the chosen dimension's, else the overall one) of the chosen
    method, among units with enough answers only; equal indexes share a rank. Two queries in all.
    Element figures are loaded for every unit when `load` is None (exports), else only for the
    elements listed (the focus is always loaded); `attach_dimensions` fills in a page's rows.
    """
    dims = dimensions() if dims is None else dims
    kinds = dict(Unit.Kind.choices)
    unit_list = [UnitRow(*values, kinds) for values in units.values_list("id", "code", "name_vi", "name_en", "kind")]
    wanted = {d.id for d in (load or [])} | ({dimension.id} if dimension is not None else set())
    rows = _compare_scores(
        units.values("id"), period=period, procedure=procedure, dimension_ids=wanted, all_dimensions=load is None
    )
    overall_rows: dict[int, dict] = {}
    by_unit: dict[int, dict[int, dict]] = {}
    for r in rows:
        if r["dimension_id"] is None:
            overall_rows[r["unit_id"]] = r
        else:
            by_unit.setdefault(r["unit_id"], {})[r["dimension_id"]] = r
    result = []
    for u in unit_list:
        overall = Figures(overall_rows.get(u.id), method)
        own = by_unit.get(u.id, {})
        focus = Figures(own.get(dimension.id), method) if dimension is not None else overall
        row = CompareRow(u, overall, focus, dims, method)
        row._by_dim = own
        result.append(row)
    _assign_ranks(result)
    return result


def _assign_ranks(rows: list[CompareRow]) -> None:
    """Rank by the focus index among rows with enough answers; equal indexes share a rank."""
    ranked = sorted((r for r in rows if r.focus.enough and r.focus.index is not None), key=lambda r: -r.focus.index)
    previous_index, previous_rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.focus.index != previous_index:
            previous_rank, previous_index = position, row.focus.index
        row.rank = previous_rank


def attach_dimensions(rows: list[CompareRow], *, period: Period, procedure: Procedure | None = None) -> None:
    """Load every element's figures for these rows (a page of the table), in one query."""
    if not rows:
        return
    found: dict[int, dict[int, dict]] = {}
    for r in _compare_scores([row.unit.id for row in rows], period=period, procedure=procedure, all_dimensions=True):
        if r["dimension_id"] is not None:
            found.setdefault(r["unit_id"], {})[r["dimension_id"]] = r
    for row in rows:
        row._by_dim = found.get(row.unit.id, {})


def sort_comparison(
    rows: list[CompareRow], key: str, descending: bool = False, dims: list[Dimension] | None = None
) -> list[CompareRow]:
    """Sort by a column; rows without a figure for that column always go last, whatever the direction."""
    dims_by_key = {f"dim_{d.code}": d for d in (dims or [])}

    def value(row: CompareRow):
        if key == "name":
            return row.unit.name.casefold()
        if key == "code":
            return row.unit.code
        if key == "rank":
            return row.rank
        if key == "index":
            return row.focus.shown_index
        if key == "responses":
            return row.focus.responses
        if key == "change":
            return row.focus.change if row.focus.enough else None
        if key == "mean":
            return row.focus.mean if row.focus.enough else None
        if key == "sipas":
            return row.focus.index_sipas if row.focus.enough else None
        if key == "766":
            return row.focus.index_766 if row.focus.enough else None
        if key in dims_by_key:
            return row.dimension(dims_by_key[key]).shown_index
        raise ValueError(key)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=value, reverse=descending)
    missing.sort(key=lambda r: r.unit.code)
    return present + missing


# --------------------------------------------------------------------------- open data


def published_publications() -> QuerySet[OpenDataPublication]:
    return (
        OpenDataPublication.objects.filter(status=OpenDataPublication.Status.PUBLISHED)
        .select_related("unit")
        .order_by("-period_start", "unit__path", "period_type")
    )


# Units are ranked among peers only: a ward beside a commune (the same tier since 2025), never
# beside a department. Kinds not listed form a group of their own.
PEER_GROUPS = {
    Unit.Kind.WARD: "local",
    Unit.Kind.COMMUNE: "local",
    Unit.Kind.SPECIAL_ZONE: "local",
    Unit.Kind.DISTRICT: "district",
    Unit.Kind.DEPARTMENT: "department",
    Unit.Kind.SERVICE_CENTRE: "service_centre",
    Unit.Kind.CITY: "province",
    Unit.Kind.PROVINCE: "province",
}
PEER_ORDER = ("local", "department", "service_centre", "district", "province")


def peer_group(kind: str) -> str:
    return PEER_GROUPS.get(kind, kind)


def peer_group_label(group: str) -> str:
    """The kinds of a peer group, in the user's language ("ward, commune, special zone")."""
    kinds = [k for k, g in PEER_GROUPS.items() if g == group] or [group]
    labels = dict(Unit.Kind.choices)
    return ", ".join(str(labels.get(k, k)) for k in kinds)


def published_row_group(row: dict[str, Any]) -> str:
    """The peer-group label of a frozen publication row; rows frozen before groups existed
    fall back to their kind's group."""
    return peer_group_label(row.get("group") or peer_group(row.get("kind", "")))


def publication_rows(*, unit: Unit, period: Period) -> list[dict[str, Any]]:
    """The ranking of a unit's direct sub-units for a period, as plain values to freeze into a
    publication: ranked within their peer group (PEER_GROUPS), groups in PEER_ORDER."""
    children = Unit.objects.filter(parent=unit, active=True).order_by("code")
    rows = comparison(units=children, period=period, method="sipas")
    groups: dict[str, list[CompareRow]] = {}
    for row in rows:
        groups.setdefault(peer_group(row.unit.kind), []).append(row)
    ordered = []
    for group in sorted(groups, key=lambda g: (PEER_ORDER.index(g) if g in PEER_ORDER else len(PEER_ORDER), g)):
        members = groups[group]
        for row in members:
            row.rank = None  # ranked again among peers only
        _assign_ranks(members)
        ordered += [(group, row) for row in sort_comparison(members, "rank")]
    dims = dimensions()
    frozen = []
    method = method_label()
    for group, row in ordered:
        f = row.overall
        frozen.append(
            {
                "group": group,
                "rank": row.rank,
                "code": row.unit.code,
                "name_vi": row.unit.name_vi,
                "name_en": row.unit.name_en or row.unit.name_vi,
                "kind": row.unit.kind,
                "responses": f.responses,
                "enough": f.enough,
                "mean": _r(f.mean),
                "index_sipas": _r(f.index_sipas) if f.enough else None,
                "ci_low_sipas": _r(f.ci_low_sipas) if f.enough else None,
                "ci_high_sipas": _r(f.ci_high_sipas) if f.enough else None,
                "index_766": _r(f.index_766) if f.enough else None,
                "ci_low_766": _r(f.ci_low_766) if f.enough else None,
                "ci_high_766": _r(f.ci_high_766) if f.enough else None,
                "dimensions": {d.code: (_r(df.index_sipas) if df.enough else None) for d, df in zip(dims, row.dims)},
                # The presentation rule's verdict and reason, and the method the figures were computed with.
                "presentation": f.verdict.status,
                "reason": str(f.hidden_reason),
                "method": method,
            }
        )
    return frozen


def scores_method(run: RollupRun | None = None) -> dict | None:
    """The method of the stored scores (the last successful rollup run's settings), or None before any run.

    Pass the last successful run when the caller has it already (`last_rollup()`): no query."""
    if run is None:
        run = last_rollup()
    if run is None or not run.method_version:
        return None
    return {
        "version": run.method_version,
        "interval": run.interval_method,
        "open_link_included": run.include_open_link,
        "min_responses": run.min_responses,
        "computed_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def method_label(method: dict | None = None, *, run: RollupRun | None = None) -> str:
    """One line naming the method of the figures, for pages and exports."""
    method = scores_method(run) if method is None else method
    if not method:
        return ""
    interval = _("Korn–Graubard 95% interval") if method["interval"] == "korn-graubard" else _("Wilson 95% interval")
    link = _("open-link answers included") if method["open_link_included"] else _("open-link answers excluded")
    return _("Method v%(version)s: %(interval)s; %(link)s; at least %(min)s responses to show or compare") % {
        "version": method["version"],
        "interval": interval,
        "link": link,
        "min": method["min_responses"],
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
