"""Thin Celery tasks of the feedback app (ids and dates in, services do the work)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="feedback.tasks.after_rollup", ignore_result=True)
def after_rollup() -> int:
    """Tag new comments and look for alerts after a rollup; queues the sending.

    Idempotent: tagging skips comments already tagged, and each alert is one outbox row per
    (kind, unit, period, person) under a unique constraint, so a second run creates nothing new.
    """
    from . import alerts, services
    from .queueing import run_or_queue

    services.tag_comments()
    created = alerts.detect_all()
    if created:
        try:
            run_or_queue("feedback.tasks.send_alerts")
        except Exception as exc:  # noqa: BLE001 — the outbox keeps them; beat's send_alerts sends them
            logger.warning("could not queue sending the alerts (%s); the periodic run will send them", exc)
    return created


@shared_task(name="feedback.tasks.send_alerts", ignore_result=True)
def send_alerts() -> dict:
    """Send the outbox rows that are due (beat runs this every minute; failures wait with backoff).

    Idempotent: a row is marked sent when its mail has gone, and only unsent rows that are due are
    picked, so running it twice sends nothing twice.
    """
    from . import alerts

    return alerts.send_due()


@shared_task(name="feedback.tasks.weekly_digest", ignore_result=True)
def weekly_digest() -> int:
    """Queue last week's digest for every manager, then send what is due.

    Idempotent: a digest is one outbox row per (unit, week, person) under the outbox's unique
    constraint, so a redelivered task queues and sends nothing more.
    """
    from . import alerts, digest

    created = digest.enqueue_weekly()
    alerts.send_due()
    return created


@shared_task(name="feedback.tasks.monthly_report_generate", ignore_result=True)
def monthly_report_generate(unit_id: int, month: str) -> int:
    """Build one unit's PDF for one month.

    Idempotent: the report row is unique per (unit, month) and a second run only rebuilds the
    same PDF from the same scores.
    """
    from . import reports

    return reports.generate(unit_id=unit_id, month=date.fromisoformat(month)).pk


@shared_task(name="feedback.tasks.tag_comments", ignore_result=True)
def tag_comments() -> int:
    """Tag the comments that have no topics yet.

    Idempotent: comments already tagged are left alone, so a second run finds nothing to do.
    """
    from . import services

    return len(services.tag_comments())


@shared_task(name="feedback.tasks.monthly_reports_all", ignore_result=True)
def monthly_reports_all(month: str | None = None) -> int:
    """Beat, early each month: last month's PDF for every root unit and every unit with a manager
    (what someone will open); other units get theirs on demand from the dashboard.

    Idempotent: each report is unique per (unit, month); a second run rebuilds the same files.
    """
    from django.utils import timezone

    from agencies.models import Membership, Unit
    from reports.periods import previous_period_start

    from . import reports

    first = date.fromisoformat(month) if month else previous_period_start(timezone.localdate().replace(day=1), "month")
    managed = Membership.objects.filter(role__in=[Membership.Role.MANAGER, Membership.Role.ADMINISTRATOR])
    units = Unit.objects.filter(active=True).filter(
        pk__in=list(managed.values_list("unit_id", flat=True))
        + list(Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    )
    count = 0
    for unit_id in units.values_list("pk", flat=True):
        reports.generate(unit_id=unit_id, month=first)
        count += 1
    return count
