"""What the unit page and the comparison show, and what their exports hold: reads for a user and
a query. `request` needs only `user` and `GET`, so the views and the export worker
(reports.export_jobs, with a stand-in request) build exactly the same figures.

Access is decided by `agencies.permissions` only: a unit outside `visible_units` is a 404; a user
who sees no unit at all cannot compare (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from agencies.permissions import visible_units

from . import channels, compare_extras, exports, fairness, selectors, unit_extras
from .forms import CompareForm, DashboardForm
from .models import Scope


def method_label(method: str) -> str:
    return "SIPAS" if method == "sipas" else _("Decision 766")


def unit_context(request, code: str) -> dict:
    unit = get_object_or_404(visible_units(request.user), code=code)
    form = DashboardForm(request.GET or None)
    values = form.values() if request.GET else {}
    period = values.get("period") or selectors.latest_period(unit=unit)
    form.set_period_choices(period)
    scope = values.get("scope") or Scope.SUBTREE
    method = values.get("method") or "sipas"
    ancestors = list(unit.ancestors())
    visible_ids = set(visible_units(request.user).filter(id__in=[a.id for a in ancestors]).values_list("id", flat=True))
    dash = selectors.unit_dashboard(unit=unit, period=period, scope=scope, method=method, ancestors=ancestors)
    # Receipt, kiosk and open-link answers apart (issue 14); exports read them from the dashboard too.
    dash.channels = channels.channel_breakdown(unit, scope=scope, first=period.start, last=period.end)
    return {
        "unit": unit,
        "form": form,
        "period": period,
        "scope": scope,
        "method": method,
        "dash": dash,
        "values": values,
        "breadcrumb": [(a, a.id in visible_ids) for a in ancestors],
    }


def unit_export_content(request, code: str, fmt: str) -> exports.ExportContent:
    """What the unit export holds; `request` needs only `user` and `GET` (a worker passes its own)."""
    ctx = unit_context(request, code)
    dash = ctx["dash"]
    filename = f"thuoc-do-{dash.unit.code}-{dash.period.key}"
    if fmt == "csv":
        head, rows = exports.unit_flat(dash)
        return exports.ExportContent(filename=filename, period=dash.period.key, head=head, rows=rows)
    about = [
        (_("Unit"), f"{dash.unit.name} ({dash.unit.code})"),
        (_("Reporting period"), dash.period.label),
        (_("Answers counted"), dict(Scope.choices)[dash.scope]),
    ] + exports.method_notes()
    ctx.update(
        unit_extras.for_unit(
            unit=dash.unit, period=dash.period, scope=dash.scope, method=dash.method, children=dash.children
        )
    )
    tables = exports.unit_tables(dash) | unit_extras.export_tables(ctx)
    return exports.ExportContent(filename=filename, period=dash.period.key, sheets=tables, about=about)


def compare_context(request, *, full: bool = False) -> dict:
    visible = visible_units(request.user)
    dims = selectors.dimensions()
    parents = list(visible.filter(children__isnull=False).distinct().order_by("path"))
    if not parents and not visible.exists():
        raise PermissionDenied
    form = CompareForm(request.GET or None, parents=parents, dims=dims)
    values = form.values() if request.GET else {}
    period = values.get("period") or selectors.latest_period()
    form.set_period_choices(period)
    method = values.get("method") or "sipas"
    # Former units (dissolved in a reorganisation) keep their history but leave the league table
    # unless asked for: their figures stop at the merge date.
    units = visible if values.get("former") else visible.filter(active=True)
    if values.get("kind"):
        units = units.filter(kind=values["kind"])
    if values.get("parent"):
        units = units.filter(parent__code=values["parent"])
    dimension, procedure = values.get("dimension"), values.get("procedure")
    sort = values.get("sort") or "rank"
    # The page shows every element for its rows only; the whole table needs the sorted-by one.
    sort_dims = [d for d in dims if sort == f"dim_{d.code}"]
    rows = selectors.comparison(
        units=units,
        period=period,
        method=method,
        dimension=dimension,
        procedure=procedure,
        dims=dims,
        load=None if full else sort_dims,
    )
    descending = (
        values.get("order") or ("asc" if sort in ("rank", "name", "code", "rank_range") else "desc")
    ) == "desc"
    extras = compare_extras.for_rows(
        rows,
        centre_unit=fairness.centre_for(visible, values.get("parent")),
        period=period,
        method=method,
        dimension=dimension,
        procedure=procedure,
        min_responses=selectors.min_responses(),
    )
    if sort in compare_extras.SORTS:
        rows = compare_extras.sort_rows(rows, extras, sort, descending)
    else:
        rows = selectors.sort_comparison(rows, sort, descending, dims)
    return {
        "extras": extras,
        "form": form,
        "rows": rows,
        "period": period,
        "method": method,
        "dims": dims,
        "dimension": dimension,
        "procedure": procedure,
        "sort": sort,
        "descending": descending,
        "values": values,
    }


def compare_export_content(request, fmt: str) -> exports.ExportContent:
    """What the comparison export holds; `request` needs only `user` and `GET`."""
    ctx = compare_context(request, full=True)
    head, rows = exports.compare_table(
        ctx["rows"], period=ctx["period"], method=ctx["method"], dims=ctx["dims"], focus=ctx["dimension"]
    )
    head, rows = compare_extras.extend_table(head, rows, ctx["rows"], ctx["extras"])
    filename = f"thuoc-do-so-sanh-{ctx['period'].key}"
    period = ctx["period"].key
    if fmt == "csv":
        return exports.ExportContent(filename=filename, period=period, head=head, rows=rows)
    v = ctx["values"]
    about = (
        [
            (_("Reporting period"), ctx["period"].label),
            (_("Method"), method_label(ctx["method"])),
            (_("Element"), ctx["dimension"].name if ctx["dimension"] else _("overall index")),
            (_("Administrative procedure"), str(ctx["procedure"]) if ctx["procedure"] else _("all procedures")),
            (_("Kind of unit"), v.get("kind") or _("all kinds")),
            (_("Parent unit"), v.get("parent") or _("any parent")),
            (_("Answers counted"), dict(Scope.choices)[Scope.SUBTREE]),
        ]
        + exports.method_notes()
        + compare_extras.notes(ctx["extras"])
    )
    return exports.ExportContent(filename=filename, period=period, sheets={_("Comparison"): (head, rows)}, about=about)
