"""The comparison: a league table of every unit the user may see, and its export."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies.permissions import visible_units

from .. import compare_extras, dashboards, export_jobs, selectors
from ..export_records import export_record
from ._common import EXPORT_FORMATS, form_has_errors

COMPARE_PAGE_SIZE = 50


@login_required
@require_GET
def compare(request):
    """League table of every unit the user may see, with intervals, ranks, changes and a heat map."""
    ctx = dashboards.compare_context(request)
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
            "method_label": dashboards.method_label(ctx["method"]),
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
    content = dashboards.compare_export_content(request, fmt)
    export_record(user=request.user, query=request.GET, page="compare", fmt=fmt, unit=None, period=content.period)
    return content.response()
