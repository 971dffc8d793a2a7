"""Open data, public: the published rankings, each one's page and CSV (anyone may read them);
a draft or withdrawn one only for those who may see its unit. Publishing is a /manage/ page
(views.manage_open_data)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies import permissions
from agencies.permissions import is_administrator

from .. import exports, open_data_extras, publications, selectors
from ..models import OpenDataPublication
from ..periods import Period
from ._common import publication_or_404


@require_GET
def open_data(request):
    """Published rankings, readable by anyone; administrators also see a link to publish."""
    items = [(p, Period(p.period_type, p.period_start)) for p in selectors.published_publications()]
    can_publish = is_administrator(request.user)
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


def _publication_rows(publication: OpenDataPublication, period: Period) -> list[dict]:
    """The frozen rows of a published ranking; a draft shows the ranking as it stands now."""
    if publication.status == OpenDataPublication.Status.PUBLISHED:
        return publication.rows
    return publications.live_rows(unit=publication.unit, period=period)


@require_GET
def open_data_detail(request, code: str, period: str):
    publication, p = publication_or_404(request, code, period)
    rows = _publication_rows(publication, p)
    can_administer = permissions.can_administer(request.user, publication.unit_id)
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
    publication, p = publication_or_404(request, code, period)
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
