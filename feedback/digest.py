"""The weekly digest: per unit, the index and its change, elements, new comments by topic, the
receipt answer rate and links. Counts only: nothing in it identifies a citizen."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Unit

from . import alerts, selectors
from .models import AlertKind, Topic
from .reports import month_figures


def week_key(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(key: str) -> tuple[date, date]:
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


def digest_context(*, unit: Unit, week_key: str) -> dict:
    monday, sunday = week_bounds(week_key)
    figures = month_figures(unit=unit, month=sunday.replace(day=1), trend_months=2)
    counts = selectors.topic_counts(unit=unit, since=monday, until=sunday)
    return {
        "week": {"key": week_key, "start": monday, "end": sunday},
        "f": figures,
        "d": figures.dashboard,
        "new_topics": [(label, counts.get(code, 0)) for code, label in Topic.choices if counts.get(code)],
        "new_comments": sum(counts.values()),
        "dashboard_url": settings.SITE_URL + reverse("reports:unit", kwargs={"code": unit.code}),
        "comments_url": settings.SITE_URL + reverse("feedback:unit_comments", kwargs={"code": unit.code}),
        "settings_url": settings.SITE_URL + reverse("feedback:alert_settings"),
    }


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
