"""Celery queues and routing (docs/operations.md, Celery queues).

The rules protected: every task of ours lands on a named queue that its own workers can consume;
a redelivered message can never start a task that is still running (visibility timeout longer
than any time limit); and every task says why running it twice is harmless.
"""

from __future__ import annotations

import inspect

import pytest
from django.conf import settings

from satisfaction.celery import app

OUR_APPS = ("agencies.", "surveys.", "reports.", "feedback.")


def _queue_of(name: str) -> str:
    route = app.amqp.router.route({}, name, (), {})
    return route["queue"].name


def _our_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(OUR_APPS)}


def test_every_task_of_ours_is_routed_to_its_own_queue():
    tasks = _our_tasks()
    assert tasks, "no task registered: autodiscovery is broken"
    unrouted = sorted(name for name in tasks if _queue_of(name) == "default")
    assert not unrouted, (
        f"{unrouted} fall into the default queue: add a route to CELERY_TASK_ROUTES in "
        "satisfaction/settings.py (or name the task after its kind of work)"
    )


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("reports.tasks.rollup_incremental", "rollup"),
        ("reports.tasks.rollup_nightly", "rollup"),
        ("reports.tasks.rollup_window", "rollup"),
        ("reports.tasks.detect_abuse", "abuse"),
        ("reports.tasks.export_scores", "exports"),
        ("reports.tasks.send_digest", "notifications"),
        ("reports.tasks.notify_reply", "notifications"),
        ("reports.tasks.weekly_digest", "notifications"),
        ("somewhere.unknown", "default"),
    ],
)
def test_tasks_are_routed_by_name(name, queue):
    assert _queue_of(name) == queue


def test_every_routed_queue_is_declared_so_a_plain_worker_consumes_it():
    declared = {queue.name for queue in app.conf.task_queues}
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {"default"} <= declared


def test_a_redelivered_message_never_overtakes_a_running_task():
    limits = [app.conf.task_time_limit]
    for annotation in (app.conf.task_annotations or {}).values():
        limits.append(annotation.get("time_limit", 0))
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > max(limits)
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_the_full_rollup_gets_a_longer_time_limit_than_ordinary_tasks():
    nightly = app.conf.task_annotations["reports.tasks.rollup_nightly"]
    assert nightly["time_limit"] > app.conf.task_time_limit
    assert nightly["soft_time_limit"] < nightly["time_limit"]


def test_every_task_of_ours_documents_why_it_is_idempotent():
    undocumented = [
        name for name, task in _our_tasks().items() if "idempotent" not in (inspect.getdoc(task.run) or "").lower()
    ]
    assert not undocumented, f"say in the docstring why running these twice is harmless: {undocumented}"


@pytest.mark.redis
@pytest.mark.django_db
def test_an_incremental_rollup_queues_abuse_detection_on_the_abuse_queue(city, redis_server, settings, monkeypatch):
    import redis

    from reports import tasks

    settings.CELERY_BROKER_URL = redis_server
    # Connection and producer pools made by earlier tests point at their brokers: start afresh.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_server
    try:
        client = redis.Redis.from_url(redis_server)
        client.flushdb()
        tasks.rollup_incremental()
        assert client.llen("abuse") == 1
        assert client.llen("rollup") == 0
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = ""
        app.pool.force_close_all()
