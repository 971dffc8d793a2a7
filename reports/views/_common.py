"""Small helpers the report pages share."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies.permissions import can_view

from ..models import OpenDataPublication
from ..periods import Period

EXPORT_FORMATS = ("csv", "xlsx")


def form_has_errors(form) -> bool:
    return bool(form.is_bound and form.errors)


def without(querydict, *names: str) -> str:
    """The query string without `names` (e.g. the page number), for links that keep the filters."""
    q = querydict.copy()
    for name in names:
        q.pop(name, None)
    return q.urlencode()


def publication_or_404(request, code: str, period_key: str) -> tuple[OpenDataPublication, Period]:
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
    if publication.status != OpenDataPublication.Status.PUBLISHED and not can_view(request.user, publication.unit_id):
        raise Http404
    return publication, period
