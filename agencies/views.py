"""The audit log page for administrators (/manage/audit/): who did what, when, in their units."""

from __future__ import annotations

from datetime import datetime, time

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import audit_registry, bounds
from .models import AuditEvent
from .permissions import manage_page

PAGE_SIZE = 50


def audit_events_for(user, units) -> QuerySet[AuditEvent]:
    """Events an administrator may read: those of the units they administer; superusers read all
    (including events tied to no unit, such as sign-in lockouts)."""
    if user.is_superuser:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(unit__in=units)


def _day_bound(value: str, *, end: bool) -> datetime | None:
    try:
        day = parse_date(value) if value else None
    except ValueError:  # well-formed but impossible, e.g. 2025-13-45
        return None
    if day is None or not bounds.in_range(day):
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _is_iso_date(value: str) -> bool:
    try:
        return parse_date(value) is not None
    except ValueError:
        return False


@manage_page("administrator")
@require_GET
def audit_log(request):
    """Read-only, filtered by action, unit code (and below), actor and dates; administrators only."""
    events = audit_events_for(request.user, request.units).select_related("unit")
    errors = []
    action = request.GET.get("action", "")
    if action:
        if action in audit_registry.values():
            events = events.filter(action=action)
        else:
            errors.append(_("Unknown action; showing every action."))
            action = ""
    unit_code = request.GET.get("unit", "").strip()[:32]
    if unit_code:
        units = request.units.filter(code=unit_code).first()
        if units is None:
            errors.append(_("You do not administer a unit with that code."))
        else:
            events = events.filter(unit__path__startswith=units.path)
    actor = request.GET.get("actor", "").strip()[:150]
    if actor:
        events = events.filter(Q(actor_name__icontains=actor) | Q(actor__username__icontains=actor))
    since, until = request.GET.get("since", ""), request.GET.get("until", "")
    for value, end in ((since, False), (until, True)):
        if value and _day_bound(value, end=end) is None:
            errors.append(bounds.DATE_RANGE_MESSAGE if _is_iso_date(value) else _("Dates are written YYYY-MM-DD."))
    if bound := _day_bound(since, end=False):
        events = events.filter(at__gte=bound)
    if bound := _day_bound(until, end=True):
        events = events.filter(at__lte=bound)
    page = Paginator(events.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "manage/audit/log.html",
        {
            "page": page,
            "actions": audit_registry.choices(),
            "action": action,
            "unit_code": unit_code,
            "actor": actor,
            "since": since,
            "until": until,
            "errors": errors,
            "query": query.urlencode(),
        },
        status=400 if errors else 200,
    )
