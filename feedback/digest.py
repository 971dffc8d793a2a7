"""The weekly digest: per unit, the index and its change, elements, new comments by topic, the
receipt answer rate and links. Counts only: nothing in it identifies a citizen."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Membership, Unit

from . import alerts
from .digest_content import digest_context, week_bounds, week_key
from .models import AlertKind

__all__ = ["digest_context", "enqueue_weekly", "week_bounds", "week_key"]


def enqueue_weekly(*, today: date | None = None) -> int:
    """One digest per manager and unit they manage, for the week that ended last Sunday."""
    today = today or timezone.localdate()
    last_sunday = today - timedelta(days=today.isoweekday())  # the week that ended before today
    key = week_key(last_sunday)
    unit_ids = (
        Membership.objects.filter(role__in=[Membership.Role.MANAGER, Membership.Role.ADMINISTRATOR])
        .values_list("unit_id", flat=True)
        .distinct()
    )
    created = 0
    for unit in Unit.objects.filter(pk__in=unit_ids, active=True):
        # Digest goes to the unit's own managers only (not every ancestor's), one per unit managed.
        for user in alerts.recipients(unit, AlertKind.DIGEST):
            if not Membership.objects.filter(user=user, unit=unit).exists():
                continue
            created += alerts.enqueue_one(kind=AlertKind.DIGEST, unit=unit, period_key=key, user=user)
    return created
