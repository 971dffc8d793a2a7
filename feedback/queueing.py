"""Queue a feedback task by name, without letting the broker decide anything.

By name, so that a module that asks for a task never imports `feedback.tasks` (which imports the
modules that do the work: no import cycle)."""

from __future__ import annotations


def run_or_queue(name: str, *args) -> None:
    """In the embedded mode run task `name` here and now, without asking a broker for a producer
    (Celery's eager apply_async still acquires one from its pool, which may be closed); else queue it.
    Errors from queueing propagate: callers decide what a broker that is down means for them."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        current_app.tasks[name].apply(args=args)
    else:
        current_app.send_task(name, args=args, ignore_result=True)
