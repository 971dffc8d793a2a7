"""Dashboards: the unit page, the comparison, exports, open data, moderation.

Access is decided by `agencies.permissions` only: every view gets its units from
`visible_units`, `manageable_units` or `administered_units` and answers 404 for an object
outside them (so that a unit's existence does not leak), 403 for a page the user's role never
opens. Views read through `reports.selectors` (Score rows) and write through services.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies import audit
from agencies.permissions import administered_units, manageable_units, visible_units
from surveys.models import Response

from . import (
    abuse,
    anonymity,
    channels,
    compare_extras,
    export_jobs,
    exports,
    fairness,
    moderation,
    open_data_extras,
    publications,
    selectors,
    unit_extras,
)
from .forms import CompareForm, DashboardForm, ExcludeForm, IncludeForm, PublicationForm
from .models import ModerationEvent, OpenDataPublication, PeriodType, ReviewFlag, Scope
from .periods import Period
from .publications import PublicationExists, publication_create, publication_publish

logger = logging.getLogger(__name__)

COMPARE_PAGE_SIZE = 50
COMMENTS_PAGE_SIZE = 10
MODERATION_PAGE_SIZE = 25
EXPORT_FORMATS = ("csv", "xlsx")


def _method_label(method: str) -> str:
    return "SIPAS" if method == "sipas" else _("Decision 766")


# --------------------------------------------------------------------------- unit dashboard


@login_required
@require_GET
def dashboard(request):
    """`/dashboard/` → the dashboard of the highest unit the user may see."""
    unit = visible_units(request.user).order_by("depth", "path").first()
    if unit is None:
        return render(request, "reports/no_unit.html", status=403)
    return redirect("reports:unit", code=unit.code)


def _unit_context(request, code: str) -> dict:
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


@login_required
@require_GET
def unit_dashboard(request, code: str):
    """One unit's figures for a period, the five elements, trend, procedures, sub-units and comments."""
    ctx = _unit_context(request, code)
    unit, dash = ctx["unit"], ctx["dash"]
    comments = selectors.comments(
        unit=unit, scope=ctx["scope"], dimension=ctx["values"].get("dimension"), rating=ctx["values"].get("rating")
    )
    page = Paginator(comments, COMMENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    anonymity.page_rows(page)
    chart = {
        "method": _method_label(ctx["method"]),
        "dimensions": {
            "labels": [d.name for d, _f in dash.dimension_rows],
            "values": [f.shown_index for _d, f in dash.dimension_rows],
            "low": [f.low if f.enough else None for _d, f in dash.dimension_rows],
            "high": [f.high if f.enough else None for _d, f in dash.dimension_rows],
        },
        "trend": {
            "labels": [p["period"].key for p in dash.trend],
            "unit": [p["unit"].shown_index for p in dash.trend],
            "city": [p["city"].shown_index for p in dash.trend],
            "unit_label": unit.name,
            "city_label": dash.city.name if dash.city else "",
        },
    }
    query = request.GET.copy()
    query.pop("page", None)
    ctx.update(
        {
            "comments": page,
            "chart": chart,
            "query": query.urlencode(),
            "export_query": _without(request.GET, "page", "dimension", "rating"),
            "last_rollup": selectors.last_rollup(),
            "can_recompute": administered_units(request.user).filter(pk=unit.pk).exists(),
            "can_moderate": manageable_units(request.user).filter(pk=unit.pk).exists(),
            "min_responses": selectors.min_responses(),
            "period_types": PeriodType,
        }
    )
    ctx.update(
        unit_extras.for_unit(
            unit=unit, period=ctx["period"], scope=ctx["scope"], method=ctx["method"], children=dash.children
        )
    )
    status = 400 if request.GET and form_has_errors(ctx["form"]) else 200
    return render(request, "reports/unit.html", ctx, status=status)


def form_has_errors(form) -> bool:
    return bool(form.is_bound and form.errors)


def _without(querydict, *names: str) -> str:
    q = querydict.copy()
    for name in names:
        q.pop(name, None)
    return q.urlencode()


@login_required
@require_GET
def unit_export(request, code: str, fmt: str):
    """The unit page as CSV or XLSX, every figure labelled with its method and period. A large one
    is built by a worker (reports.export_jobs): the user is sent to its status page."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    unit = get_object_or_404(visible_units(request.user), code=code)
    job = export_jobs.start_if_large(request, kind="unit", fmt=fmt, unit=unit)
    if job is not None:
        return redirect("reports:export_status", job_id=job.pk)
    content = unit_export_content(request, code, fmt)
    _audit_export(request, "unit", fmt, unit=unit, period=content.period)
    return content.response()


def unit_export_content(request, code: str, fmt: str) -> exports.ExportContent:
    """What the unit export holds; `request` needs only `user` and `GET` (a worker passes its own)."""
    ctx = _unit_context(request, code)
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


def _audit_export(request, page: str, fmt: str, *, unit, period: str) -> None:
    """Who exported what, when (agencies.audit): the page, format, period and filters as asked."""
    # Bounded: a crafted query string must not bloat the log.
    filters = {k[:40]: v[:100] for k, v in list(request.GET.items())[:20] if k != "page"}
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORT,
        object_type=f"export.{page}",
        object_id=unit.code if unit else "",
        object_label=f"{page} {period} {fmt.upper()}",
        unit=unit,
        details={"format": fmt, "period": period, "filters": filters},
    )


@login_required
@require_POST
def unit_recompute(request, code: str):
    """Administrators ask for a recomputation of the scores now: the incremental rollup, queued
    (run in-process in the embedded mode). Anything changed since the last run is recomputed."""
    unit = get_object_or_404(visible_units(request.user), code=code)
    if not administered_units(request.user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    audit.record(
        actor=request.user,
        action=audit.Action.ROLLUP_RECOMPUTE,
        obj=unit,
        object_label=str(unit),
        details={"mode": "incremental"},
    )
    try:
        from . import tasks

        tasks.rollup_incremental.delay()
    except Exception as exc:  # noqa: BLE001 — a broker that is down is reported, never a 500
        logger.warning("recompute requested by %s could not be queued: %s", request.user, exc)
        messages.error(request, _("The recomputation could not be started; the scheduled rollup will run it."))
    else:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            messages.success(request, _("Scores were recomputed."))
        else:
            messages.success(request, _("Recomputation started; the figures update within a few minutes."))
    return redirect(reverse("reports:unit", kwargs={"code": unit.code}))


# --------------------------------------------------------------------------- comparison


def _compare_context(request, *, full: bool = False) -> dict:
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


@login_required
@require_GET
def compare(request):
    """League table of every unit the user may see, with intervals, ranks, changes and a heat map."""
    ctx = _compare_context(request)
    page = Paginator(ctx["rows"], COMPARE_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_dimensions(page.object_list, period=ctx["period"], procedure=ctx["procedure"])
    ranked = sum(1 for r in ctx["rows"] if r.rank is not None)
    headers = []
    for key, label in (
        [
            ("rank", _("Rank")),
            ("name", _("Unit")),
            ("index", _("Index")),
            ("responses", _("Responses")),
            ("change", _("Change")),
        ]
        + [(f"dim_{d.code}", d.name) for d in ctx["dims"]]
        + compare_extras.headers()
    ):
        active = ctx["sort"] == key
        order = (
            "asc"
            if active and ctx["descending"]
            else ("desc" if active else ("asc" if key in ("rank", "name") else "desc"))
        )
        q = request.GET.copy()
        q["sort"], q["order"] = key, order
        q.pop("page", None)
        headers.append(
            {"key": key, "label": label, "active": active, "descending": ctx["descending"], "url": "?" + q.urlencode()}
        )
    query = request.GET.copy()
    query.pop("page", None)
    ctx.update(
        {
            "page": page,
            "ranked": ranked,
            "headers": headers,
            "query": query.urlencode(),
            "min_responses": selectors.min_responses(),
            "method_label": _method_label(ctx["method"]),
            "funnel": ctx["extras"].funnel(),
            "map": compare_extras.map_for(ctx["rows"], ctx["extras"]),
            "response_rate_floor": 100 * settings.RESPONSE_RATE_FLOOR,
        }
    )
    status = 400 if form_has_errors(ctx["form"]) else 200
    return render(request, "reports/compare.html", ctx, status=status)


@login_required
@require_GET
def compare_export(request, fmt: str):
    """The comparison as filtered and sorted on screen (all pages), as CSV or XLSX; a large one is
    built by a worker (reports.export_jobs)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    if not visible_units(request.user).exists():
        raise PermissionDenied
    job = export_jobs.start_if_large(request, kind="compare", fmt=fmt, unit=None)
    if job is not None:
        return redirect("reports:export_status", job_id=job.pk)
    content = compare_export_content(request, fmt)
    _audit_export(request, "compare", fmt, unit=None, period=content.period)
    return content.response()


def compare_export_content(request, fmt: str) -> exports.ExportContent:
    """What the comparison export holds; `request` needs only `user` and `GET`."""
    ctx = _compare_context(request, full=True)
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
            (_("Method"), _method_label(ctx["method"])),
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


# --------------------------------------------------------------------------- open data


@require_GET
def open_data(request):
    """Published rankings, readable by anyone; administrators also see a link to publish."""
    items = [(p, Period(p.period_type, p.period_start)) for p in selectors.published_publications()]
    can_publish = administered_units(request.user).exists()
    # The map of the newest publication (issue 17), drawn from its frozen rows.
    newest = items[0] if items else None
    return render(
        request,
        "reports/open_data.html",
        {
            "items": items,
            "can_publish": can_publish,
            "newest": newest,
            "map": open_data_extras.map_for(newest[0].rows) if newest else None,
        },
    )


def _publication_or_404(request, code: str, period_key: str) -> tuple[OpenDataPublication, Period]:
    """A published publication for anyone; a draft or withdrawn one only for those who may see the unit."""
    period = Period.parse(period_key)
    if period is None:
        raise Http404
    publication = get_object_or_404(
        OpenDataPublication.objects.select_related("unit"),
        unit__code=code,
        period_type=period.type,
        period_start=period.start,
    )
    if (
        publication.status != OpenDataPublication.Status.PUBLISHED
        and not visible_units(request.user).filter(pk=publication.unit_id).exists()
    ):
        raise Http404
    return publication, period


def _publication_rows(publication: OpenDataPublication, period: Period) -> list[dict]:
    if publication.status == OpenDataPublication.Status.PUBLISHED:
        return publication.rows
    return _live_publication_rows(publication.unit, period)


def _live_publication_rows(unit, period: Period) -> list[dict]:
    return publications.live_rows(unit=unit, period=period)


@require_GET
def open_data_detail(request, code: str, period: str):
    publication, p = _publication_or_404(request, code, period)
    rows = _publication_rows(publication, p)
    can_administer = administered_units(request.user).filter(pk=publication.unit_id).exists()
    return render(
        request,
        "reports/open_data_detail.html",
        {
            "publication": publication,
            "period": p,
            "rows": rows,
            "dims": selectors.dimensions(),
            "can_administer": can_administer,
            "min_responses": selectors.min_responses(),
            "map": open_data_extras.map_for(rows),
        },
    )


@require_GET
def open_data_csv(request, code: str, period: str):
    publication, p = _publication_or_404(request, code, period)
    rows = _publication_rows(publication, p)
    dims = selectors.dimensions()
    english = (request.LANGUAGE_CODE or "vi").startswith("en")
    head = [
        _("Rank (SIPAS)"),
        _("Unit code"),
        _("Unit"),
        _("Kind of unit"),
        _("Reporting period"),
        _("Responses"),
        _("Enough answers"),
        _("Mean score (1–5)"),
        _("SIPAS index (%)"),
        _("SIPAS 95% interval, low"),
        _("SIPAS 95% interval, high"),
        _("Decision 766 index (%)"),
        _("Decision 766 95% interval, low"),
        _("Decision 766 95% interval, high"),
    ] + [_("%(element)s, %(method)s index (%%)") % {"element": d.name, "method": "SIPAS"} for d in dims]
    head += open_data_extras.csv_columns()
    # The presentation verdict, its reason and the method (issue 14); rows frozen before it have none.
    head += [_("Presentation (SIPAS)"), _("Why hidden or uncertain"), _("Method")]
    body = (
        [
            r["rank"] or "",
            r["code"],
            r["name_en"] if english else r["name_vi"],
            selectors.published_row_group(r),
            p.key,
            r["responses"],
            _("yes") if r["enough"] else _("no"),
            r["mean"] if r["enough"] else None,
            r["index_sipas"],
            r["ci_low_sipas"],
            r["ci_high_sipas"],
            r["index_766"],
            r["ci_low_766"],
            r["ci_high_766"],
        ]
        + [r["dimensions"].get(d.code) for d in dims]
        + open_data_extras.csv_values(r)
        + [
            exports.PRESENTATION_LABELS.get(r.get("presentation"), ""),
            r.get("reason", ""),
            r.get("method", ""),
        ]
        for r in rows
    )
    return exports.csv_response(f"thuoc-do-du-lieu-mo-{code}-{p.key}", head, body)


@login_required
@require_http_methods(["GET", "POST"])
def open_data_manage(request):
    """Administrators prepare a draft ranking for a period, preview it, then publish or withdraw it."""
    units = administered_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = PublicationForm(request.POST or None, units=units.filter(children__isnull=False).distinct())
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        try:
            publication = publication_create(
                unit=form.cleaned_data["unit"], period=period, user=request.user, note=form.cleaned_data["note"]
            )
        except PublicationExists:
            form.add_error(None, _("There is already a publication for this unit and period."))
        else:
            messages.success(request, _("Draft created. Check the preview, then publish it."))
            return redirect("reports:open_data_detail", code=publication.unit.code, period=period.key)
    publications = (
        OpenDataPublication.objects.filter(unit__in=units)
        .select_related("unit")
        .order_by("-period_start", "unit__path")
    )
    items = [(p, Period(p.period_type, p.period_start)) for p in publications]
    return render(
        request,
        "reports/open_data_manage.html",
        {"form": form, "items": items},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def open_data_action(request, code: str, period: str):
    """Publish (freezing the ranking), withdraw, or delete a draft. Administrators of the unit only."""
    publication, p = _publication_or_404(request, code, period)
    if not administered_units(request.user).filter(pk=publication.unit_id).exists():
        raise PermissionDenied
    action = request.POST.get("action")
    if action == "publish":
        publication_publish(publication=publication, user=request.user)
        messages.success(request, _("The ranking is published."))
    elif action == "withdraw" and publication.status == OpenDataPublication.Status.PUBLISHED:
        publication.status = OpenDataPublication.Status.WITHDRAWN
        publication.save(update_fields=["status"])
        messages.success(request, _("The ranking is withdrawn from open data."))
    elif action == "delete" and publication.status != OpenDataPublication.Status.PUBLISHED:
        publication.delete()
        messages.success(request, _("The draft is deleted."))
        return redirect("reports:open_data_manage")
    else:
        messages.error(request, _("That action is not possible for this publication."))
    return redirect("reports:open_data_detail", code=code, period=p.key)


# --------------------------------------------------------------------------- moderation


@login_required
@require_GET
def moderation_list(request):
    """Responses of the units the user manages, newest first, with filters; managers only."""
    units = manageable_units(request.user)
    if not units.exists():
        raise PermissionDenied
    responses = Response.objects.select_related("unit", "procedure")
    if not request.user.is_superuser:
        # (A superuser manages every unit: the same rows without a semi-join over the unit table,
        # so the month's range is read from the submitted_at index.)
        responses = responses.filter(unit__in=units)
    status = request.GET.get("status", "")
    if status == "excluded":
        responses = responses.filter(excluded=True)
    elif status == "counted":
        responses = responses.filter(excluded=False)
    if request.GET.get("comment") == "1":
        responses = responses.exclude(comment="")
    flag_id = request.GET.get("flag", "")
    if flag_id:
        # The batch of one review flag (reports.abuse), within the units the user manages.
        responses = responses.filter(review_flags__pk=flag_id) if flag_id.isdigit() else responses.none()
    unit_code = (request.GET.get("unit") or "").strip()
    if unit_code:
        chosen = units.filter(code=unit_code).first()
        if chosen is None:
            messages.error(request, _("You cannot moderate a unit with that code."))
        else:
            responses = responses.filter(unit__path__startswith=chosen.path)
    # One month at a time (the order within a month is not the clock, reports.anonymity), so the
    # database sorts one month of the user's units, never the whole table; then page first, and
    # work out each shown row's mean and k-cell for the page only.
    month = Period.parse(request.GET.get("month", ""))
    if month is None or month.type != PeriodType.MONTH:
        latest = responses.aggregate(latest=Max("submitted_at"))["latest"]
        month = Period.containing(
            PeriodType.MONTH, timezone.localtime(latest).date() if latest else timezone.localdate()
        )
    start, end = anonymity.month_bounds(month.start)
    in_month = responses.filter(submitted_at__gte=start, submitted_at__lt=end)
    page = Paginator(anonymity.within_month_order(in_month), MODERATION_PAGE_SIZE).get_page(request.GET.get("page"))
    anonymity.page_rows(page)
    return render(
        request,
        "reports/moderation_list.html",
        {
            "page": page,
            "month": month,
            "anonymity_k": anonymity.k(),
            "month_query": _without(request.GET, "page", "month"),
            "status": status,
            "unit_code": unit_code,
            "comment_only": request.GET.get("comment") == "1",
            "query": _without(request.GET, "page"),
            "flags": abuse.open_flags_for(request.user)[:FLAGS_SHOWN],
            "flag_id": flag_id,
            "can_exclude_flags": abuse.can_exclude_flags(request.user),
        },
    )


FLAGS_SHOWN = 50


@login_required
@require_POST
def moderation_flag(request, pk: int):
    """Decide on a review flag: an administrator excludes the whole batch, a manager dismisses the flag."""
    flag = get_object_or_404(ReviewFlag.objects.filter(unit__in=manageable_units(request.user)), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "exclude":
            count = abuse.flag_exclude_batch(
                flag_id=flag.pk, user=request.user, reason=request.POST.get("reason", "")[:150]
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d response of the batch is excluded; the scores are being recomputed.",
                    "%(count)d responses of the batch are excluded; the scores are being recomputed.",
                    count,
                )
                % {"count": count},
            )
        elif action == "dismiss":
            abuse.flag_dismiss(flag_id=flag.pk, user=request.user, note=request.POST.get("note", "")[:200])
            messages.success(request, _("The flag is dismissed; its answers keep counting."))
        else:
            messages.error(request, _("Choose to exclude the batch or to dismiss the flag."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("reports:moderation") + "#flags")


@login_required
@require_http_methods(["GET", "POST"])
def moderation_detail(request, ref: str):
    """One response with its answers and audit trail; exclude it with a reason or count it again.

    Addressed by its opaque reference, never its id (reports.anonymity: ids are a clock)."""
    pk = anonymity.pk_from_reference(ref)
    if pk is None:
        raise Http404
    response = get_object_or_404(
        Response.objects.select_related("unit", "procedure", "excluded_by"),
        pk=pk,
        unit__in=manageable_units(request.user),
    )
    exclude_form = ExcludeForm(request.POST if request.POST.get("action") == "exclude" else None)
    include_form = IncludeForm(request.POST if request.POST.get("action") == "include" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "exclude" and exclude_form.is_valid():
                moderation.response_exclude(
                    response_id=response.pk, user=request.user, reason=exclude_form.reason_text()
                )
                messages.success(request, _("The response is excluded; the scores are being recomputed."))
                return redirect("reports:moderation_detail", ref=anonymity.reference(response.pk))
            if request.POST.get("action") == "include" and include_form.is_valid():
                moderation.response_include(
                    response_id=response.pk, user=request.user, reason=include_form.cleaned_data["note"]
                )
                messages.success(request, _("The response counts again; the scores are being recomputed."))
                return redirect("reports:moderation_detail", ref=anonymity.reference(response.pk))
            if request.POST.get("action") not in ("exclude", "include"):
                messages.error(request, _("Choose to exclude the response or to count it again."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("reports:moderation_detail", ref=anonymity.reference(response.pk))
    answers = response.answers.select_related("question", "question__dimension", "choice").order_by(
        "question__order", "question_id"
    )
    events = ModerationEvent.objects.filter(response=response).select_related("actor")
    anonymity.protect([response], with_mean=False)
    return render(
        request,
        "reports/moderation_detail.html",
        {
            "response": response,
            "answers": answers,
            "events": events,
            "exclude_form": exclude_form,
            "include_form": include_form,
        },
        status=400 if request.method == "POST" else 200,
    )
