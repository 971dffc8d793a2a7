"""The after-rollup hook: reports never imports feedback; feedback listens for the rollup tasks.

A rollup task that succeeded queues `feedback.tasks.after_rollup`. Queueing never raises into
the rollup (a broker that is down is logged; beat's periodic run catches up), and in the
embedded (eager) mode the follow-up runs in-process after the rollup has finished and committed.
"""

from __future__ import annotations

import logging

from celery.signals import task_success

logger = logging.getLogger(__name__)

ROLLUP_TASKS = frozenset(
    {"reports.tasks.rollup_incremental", "reports.tasks.rollup_nightly", "reports.tasks.rollup_window"}
)


@task_success.connect
def _after_rollup(sender=None, result=None, **kwargs) -> None:
    if getattr(sender, "name", None) not in ROLLUP_TASKS or result is None:
        return
    try:
        from . import tasks
        from .queueing import run_or_queue

        run_or_queue(tasks.after_rollup)
    except Exception as exc:  # noqa: BLE001 — nothing may fail the rollup that already succeeded
        logger.warning("could not queue the after-rollup alerts (%s); the periodic run will catch up", exc)
