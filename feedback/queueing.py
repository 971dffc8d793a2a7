"""Queue a feedback task without letting the broker decide anything."""

from __future__ import annotations


def run_or_queue(task, *args) -> None:
    """In the embedded mode run the task here and now, without asking a broker for a producer
    (Celery's eager apply_async still acquires one from its pool, which may be closed); else queue it.
    Errors from queueing propagate: callers decide what a broker that is down means for them."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        task.apply(args=args)
    else:
        task.apply_async(args=args, ignore_result=True)
