"""Hooks into the apps below, which never import feedback.

The reply key: surveys.signals.response_stored, sent inside the submission's transaction, makes
the citizen's reply key (feedback.reply_keys) and hands it back to the thank-you page.

The after-rollup hook: reports never imports feedback; feedback listens for the rollup tasks.

A rollup task that succeeded queues `feedback.tasks.after_rollup`. Queueing never raises into
the rollup (a broker that is down is logged; beat's periodic run catches up), and in the
embedded (eager) mode the follow-up runs in-process after the rollup has finished and committed.
"""

from __future__ import annotations

import logging

from celery.signals import task_success
from django.dispatch import receiver

from reports.queueing import ROLLUP_TASKS
from surveys.signals import response_stored

logger = logging.getLogger(__name__)


@task_success.connect
def _after_rollup(sender=None, result=None, **kwargs) -> None:
    if getattr(sender, "name", None) not in ROLLUP_TASKS or result is None:
        return
    try:
        from .queueing import run_or_queue

        run_or_queue("feedback.tasks.after_rollup")
    except Exception as exc:  # noqa: BLE001 — nothing may fail the rollup that already succeeded
        logger.warning("could not queue the after-rollup alerts (%s); the periodic run will catch up", exc)


@receiver(response_stored)
def _issue_reply_key(sender=None, response=None, **kwargs) -> dict:
    """Inside the submission's transaction: the citizen's reply key, for the thank-you page."""
    from .reply_keys import issue

    key = issue(response=response)
    return {"reply_key": key} if key else {}
