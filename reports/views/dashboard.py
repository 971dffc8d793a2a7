"""The unit dashboard: `/dashboard/`, one unit's page, its export and "recompute now"."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.permissions import can_administer, can_manage, visible_units

from .. import anonymity, dashboards, export_jobs, selectors, unit_extras
from ..export_records import export_record
from ..models import PeriodType
from ..recompute import rollup_recompute
from ._common import EXPORT_FORMATS, form_has_errors, without

COMMENTS_PAGE_SIZE = 10


@login_required
@require_GET
def dashboard(request):
    """`/dashboard/` → the dashboard of the highest unit the user may see."""
    unit = visible_units(request.user).order_by("depth", "path").first()
    if unit is None:
        return render(request, "reports/no_unit.html", status=403)
    return redirect("reports:unit", code=unit.code)


@login_required
@require_GET
def unit_dashboard(request, code: str):
    """One unit's figures for a period, the five elements, trend, procedures, sub-units and comments."""
    ctx = dashboards.unit_context(request, code)
    unit, dash = ctx["unit"], ctx["dash"]
    comments = selectors.comments(
        unit=unit, scope=ctx["scope"], dimension=ctx["values"].get("dimension"), rating=ctx["values"].get("rating")
    )
    page = Paginator(comments, COMMENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    anonymity.page_rows(page)
    chart = {
        "method": dashboards.method_label(ctx["method"]),
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
            "export_query": without(request.GET, "page", "dimension", "rating"),
            "last_rollup": selectors.last_rollup(),
            "can_recompute": can_administer(request.user, unit),
            "can_moderate": can_manage(request.user, unit),
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
    content = dashboards.unit_export_content(request, code, fmt)
    export_record(user=request.user, query=request.GET, page="unit", fmt=fmt, unit=unit, period=content.period)
    return content.response()


@login_required
@require_POST
def unit_recompute(request, code: str):
    """Administrators ask for a recomputation of the scores now: the incremental rollup, asked
    for through reports.recompute (run in-process in the embedded mode)."""
    unit = get_object_or_404(visible_units(request.user), code=code)
    outcome = rollup_recompute(unit=unit, user=request.user)
    if outcome is False:
        messages.error(request, _("The recomputation could not be started; the scheduled rollup will run it."))
    elif outcome and settings.CELERY_TASK_ALWAYS_EAGER:
        messages.success(request, _("Scores were recomputed."))
    else:
        messages.success(request, _("Recomputation started; the figures update within a few minutes."))
    return redirect(reverse("reports:unit", kwargs={"code": unit.code}))
