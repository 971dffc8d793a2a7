"""Thin Celery tasks: they take ids and dates, call the rollup service and log the outcome.

The task names are part of the contract: `reports.tasks.rollup_incremental` is queued by name
after each submission and moderation commits, and both are in the beat schedule (settings). Names
also choose the queue (settings.CELERY_TASK_ROUTES): `rollup_*` on `rollup`, `detect_abuse` on `abuse`.

Every task here is idempotent, because the broker delivers at least once (acks_late: a message
whose worker died is delivered again) and beat may queue a run while another is pending; each
docstring says why running it twice is harmless.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import current_app, shared_task

from . import rollup
from .models import RollupRun

logger = logging.getLogger(__name__)


@shared_task(name="reports.tasks.rollup_incremental", ignore_result=True)
def rollup_incremental() -> int | None:
    """Recompute what changed since the last run. Many of these may be queued; when another
    rollup already runs, this one gives up after a short wait (the running one or the next
    scheduled one catches up).

    Idempotent: it recomputes each touched key from the raw answers and replaces its rows, under
    the rollup lock; a second run finds nothing new since the first one's watermark."""
    try:
        run_id = rollup.rollup_run(mode=RollupRun.Mode.INCREMENTAL, lock_wait=10).pk
    except rollup.RollupBusy:
        logger.info("rollup_incremental: another rollup is running; skipped")
        return None
    _queue_abuse_detection()
    return run_id


def _queue_abuse_detection(lookback: timedelta | None = None) -> None:
    """Abuse detection runs on its own queue after a rollup; queueing it never fails the rollup."""
    kwargs = {"lookback_minutes": int(lookback.total_seconds() // 60) if lookback else None}
    try:
        if current_app.conf.task_always_eager:
            detect_abuse.apply(kwargs=kwargs)  # in-process, without taking a producer from the pool
        else:
            detect_abuse.apply_async(kwargs=kwargs, retry=False)
    except Exception as exc:  # noqa: BLE001 — an unreachable broker raises many kinds; the next rollup queues it again
        logger.warning("could not queue abuse detection (%s); the next rollup queues it again", exc)


@shared_task(name="reports.tasks.detect_abuse", ignore_result=True)
def detect_abuse(lookback_minutes: int | None = None) -> None:
    """Flag bursts and identical answer runs for review (reports.abuse).

    Idempotent: a flag is keyed by what it flags and only grows, so scanning the same window twice
    raises nothing new; two scans at once are kept apart by a lock in the shared cache."""
    from . import abuse

    lookback = timedelta(minutes=lookback_minutes) if lookback_minutes else None
    try:
        abuse.detect_unless_running(lookback=lookback)
    except Exception:  # any error: the next run scans the same window again
        logger.exception("abuse detection failed; the next rollup retries it")


@shared_task(name="reports.tasks.rollup_nightly", ignore_result=True)
def rollup_nightly() -> int:
    """The nightly consolidation: a full recompute from the raw answers; abuse detection over a day.

    Idempotent: it rebuilds every score from the raw answers and swaps them in at once; a second
    run writes the same rows (or waits for the first, under the rollup lock)."""
    run_id = rollup.rollup_run(mode=RollupRun.Mode.FULL).pk
    _queue_abuse_detection(lookback=timedelta(hours=26))
    return run_id


@shared_task(name="reports.tasks.rollup_window", ignore_result=True)
def rollup_window(since: str | None = None, until: str | None = None) -> int:
    """Recompute every unit for the local days since..until (ISO dates, both included).

    Idempotent: the window's rows are recomputed from the raw answers and replaced."""
    return rollup.rollup_run(
        mode=RollupRun.Mode.WINDOW,
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
    ).pk


@shared_task(name="reports.tasks.export_build", ignore_result=True)
def export_build(job_id: str) -> None:
    """Build a large export's file (reports.export_jobs) on the `exports` queue.

    Idempotent: the job fixes the selection (the query as asked, the period resolved when it was
    asked), and the file is written under the same name exports/<job id>/…, replacing any earlier
    one; a redelivered message rebuilds the same file under the same job id, adds no audit record
    (that was written once, when the export was asked for), and leaves an expired job alone."""
    from . import export_jobs

    try:
        export_jobs.export_job_build(job_id=job_id)
    except Exception:  # the time limit or a bug: the status page says so; asking again starts afresh
        logger.exception("export job %s failed", job_id)
        export_jobs.fail(job_id, export_jobs.NOT_BUILT)


@shared_task(name="reports.tasks.export_cleanup", ignore_result=True)
def export_cleanup() -> int:
    """Delete the files of expired export jobs (beat, hourly).

    Idempotent: a job whose file is gone is marked expired and skipped by the next run; deleting a
    file that another run already deleted is checked first."""
    from . import export_jobs

    return export_jobs.export_cleanup()
