"""What the weekly digest says about one unit and week (reads only; the e-mail is rendered by
feedback.alerts, the digests are queued by feedback.digest). Counts only: nothing in it
identifies a citizen."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse

from agencies.models import Unit

from . import selectors
from .models import Topic
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
