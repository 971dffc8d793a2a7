"""Thin Celery tasks: they take ids and dates, call the rollup service and log the outcome.

The task names are part of the contract: `reports.tasks.rollup_incremental` is queued by name
after each submission and moderation commits, and both are in the beat schedule (settings).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task

from . import services
from .models import RollupRun

logger = logging.getLogger(__name__)


@shared_task(name="reports.tasks.rollup_incremental", ignore_result=True)
def rollup_incremental() -> int | None:
    """Recompute what changed since the last run. Many of these may be queued; when another
    rollup already runs, this one gives up after a short wait (the running one or the next
    scheduled one catches up)."""
    try:
        run_id = services.rollup_run(mode=RollupRun.Mode.INCREMENTAL, lock_wait=10).pk
    except services.RollupBusy:
        logger.info("rollup_incremental: another rollup is running; skipped")
        return None
    _detect_abuse()
    return run_id


def _detect_abuse(lookback: timedelta | None = None) -> None:
    """Flag bursts and identical answer runs for review (reports.abuse); a failure here never fails the rollup."""
    from . import abuse

    try:
        abuse.detect_unless_running(lookback=lookback)
    except Exception:  # any error: the next run scans the same window again
        logger.exception("abuse detection failed; the next rollup retries it")


@shared_task(name="reports.tasks.rollup_nightly", ignore_result=True)
def rollup_nightly() -> int:
    """The nightly consolidation: a full recompute from the raw answers; abuse detection over a day."""
    run_id = services.rollup_run(mode=RollupRun.Mode.FULL).pk
    _detect_abuse(lookback=timedelta(hours=26))
    return run_id


@shared_task(name="reports.tasks.rollup_window", ignore_result=True)
def rollup_window(since: str | None = None, until: str | None = None) -> int:
    """Recompute every unit for the local days since..until (ISO dates, both included)."""
    return services.rollup_run(
        mode=RollupRun.Mode.WINDOW,
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
    ).pk
