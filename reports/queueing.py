"""Asking for the rollup and for abuse detection: the one way anything queues reports' background work.

Every caller — a citizen's submission (through `surveys.signals.response_stored`, see
reports.signals), moderation, a flagged batch, an administrator's recompute — calls
`queue_rollup()`; nothing else sends the rollup task.

Rules protected:
- tasks are asked for by NAME (the Celery app's `send_task`), never by importing `reports.tasks`,
  so a service can ask for a rollup without importing the rollup (no import cycle);
- only after the current transaction commits (`transaction.on_commit`; at once outside a
  transaction): a worker never runs before the change it must count is visible, and a change that
  rolls back asks for nothing;
- in the embedded mode (CELERY_TASK_ALWAYS_EAGER) the task runs here and now with `apply()`,
  without asking a broker for a producer (Celery's eager `apply_async` still takes one from its pool);
- with a broker, a burst of requests sends one message while one is waiting: the first request
  marks the shared cache for ROLLUP_QUEUE_DEBOUNCE seconds and the rollup clears the mark when it
  starts (`rollup_started`), so a request that finds the mark knows a rollup that has not started
  yet will count its change;
- a broker that is down, an unregistered task or a task failing in the embedded mode is logged and
  never undoes the change that asked (the scheduled rollup catches up).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

ROLLUP_TASK = "reports.tasks.rollup_incremental"
ABUSE_TASK = "reports.tasks.detect_abuse"
# The rollup task names (incremental, nightly, window): what feedback's after-rollup hook listens for.
ROLLUP_TASKS = frozenset({ROLLUP_TASK, "reports.tasks.rollup_nightly", "reports.tasks.rollup_window"})
ROLLUP_PENDING_KEY = "reports:rollup-queued"


def queue_rollup() -> bool | None:
    """Ask for an incremental rollup once the current transaction commits (at once outside one).

    Returns None when it waits for a commit; outside a transaction, whether the rollup ran
    (embedded mode) or was queued — False means the broker refused and the scheduled rollup
    will catch up. Never raises: what asked for the rollup is kept whatever the broker does."""
    outcome: list[bool] = []
    transaction.on_commit(lambda: outcome.append(_send_rollup()))
    return outcome[0] if outcome else None


def rollup_started() -> None:
    """Called by the rollup task as it starts: a change committed from now on needs a new message."""
    cache.delete(ROLLUP_PENDING_KEY)


def queue_abuse_detection(lookback: timedelta | None = None) -> None:
    """Ask for abuse detection (its own task, on the `abuse` queue) over the last `lookback`
    (default ABUSE_LOOKBACK_MINUTES); never raises into the caller (a rollup that has finished)."""
    kwargs = {"lookback_minutes": int(lookback.total_seconds() // 60) if lookback else None}
    run_or_send(ABUSE_TASK, kwargs, why="after a rollup")


def _send_rollup() -> bool:
    debounce = settings.ROLLUP_QUEUE_DEBOUNCE
    if not _eager() and debounce and not cache.add(ROLLUP_PENDING_KEY, 1, timeout=debounce):
        return True  # a rollup that has not started yet will count this change
    return run_or_send(ROLLUP_TASK, {}, why="after a change")


def _eager() -> bool:
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def run_or_send(name: str, kwargs: dict, *, why: str) -> bool:
    """Run task `name` in-process (embedded mode) or send it to the broker; True if that worked.

    The one place a reports task is asked for (the rollup through `queue_rollup`, abuse detection,
    an export job's build); by name, so the caller never imports reports.tasks."""
    from celery import current_app

    try:
        if current_app.conf.task_always_eager:
            task = current_app.tasks.get(name)
            if task is None:
                logger.info("task %s is not registered; the scheduled run will catch up", name)
                return False
            task.apply(kwargs=kwargs)
        else:
            current_app.send_task(name, kwargs=kwargs, retry=False)
    except Exception as exc:  # noqa: BLE001 — an unreachable broker raises many kinds; none may undo the change
        logger.warning(
            "could not queue %s %s (%s: %s); the scheduled run will catch up", name, why, exc.__class__.__name__, exc
        )
        return False
    return True
