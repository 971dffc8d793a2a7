"""Thin Celery tasks: they take ids and dates, call the rollup service and log the outcome.

The task names are part of the contract: `reports.tasks.rollup_incremental` is queued by name
after each submission and moderation commits, and both are in the beat schedule (settings).
"""

from __future__ import annotations

import logging
from datetime import date

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
        return services.rollup_run(mode=RollupRun.Mode.INCREMENTAL, lock_wait=10).pk
    except services.RollupBusy:
        logger.info("rollup_incremental: another rollup is running; skipped")
        return None


@shared_task(name="reports.tasks.rollup_nightly", ignore_result=True)
def rollup_nightly() -> int:
    """The nightly consolidation: a full recompute from the raw answers."""
    return services.rollup_run(mode=RollupRun.Mode.FULL).pk


@shared_task(name="reports.tasks.rollup_window", ignore_result=True)
def rollup_window(since: str | None = None, until: str | None = None) -> int:
    """Recompute every unit for the local days since..until (ISO dates, both included)."""
    return services.rollup_run(
        mode=RollupRun.Mode.WINDOW,
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
    ).pk
