"""Hooks into the apps below, which never import reports.

A stored citizen answer (surveys.signals.response_stored, sent inside the submission's
transaction) asks for the incremental rollup through `reports.queueing.queue_rollup`, which waits
for the commit: an answer that rolls back asks for nothing, and a broker that is down never undoes
an answer (the receiver never raises, so it can never roll the submission back either).
"""

from __future__ import annotations

from django.dispatch import receiver

from surveys.signals import response_stored

from .queueing import queue_rollup


@receiver(response_stored, dispatch_uid="reports-rollup-after-answer")
def _rollup_after_answer(sender=None, response=None, **kwargs) -> None:
    queue_rollup()
