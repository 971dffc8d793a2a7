"""One way to ask for the rollup (reports.queueing): by task name, after commit, eager in the
embedded mode, one message while one waits; and nothing else in the code base queues a task."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from celery import current_app
from django.core.cache import cache
from django.db import transaction

from reports import queueing

ROOT = Path(__file__).resolve().parents[2]
APPS = ("agencies", "surveys", "reports", "feedback", "satisfaction", "bench")
# The two modules allowed to hand a task to Celery: reports' and feedback's queueing.
QUEUEING = {Path("reports/queueing.py"), Path("feedback/queueing.py")}
SENDS = re.compile(r"\.(delay|apply_async|send_task)\(|\btasks\.\w+\.apply\(")


def _code_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_nothing_but_the_queueing_modules_hands_a_task_to_celery():
    offenders = [
        f"{relative}:{n}"
        for relative, text in _code_files()
        if relative not in QUEUEING
        for n, line in enumerate(text.splitlines(), 1)
        if SENDS.search(line)
    ]
    assert not offenders, f"queue through reports.queueing (queue_rollup) or feedback.queueing: {offenders}"


def test_the_rollup_task_is_named_only_where_it_is_defined_queued_and_scheduled():
    allowed = {Path("reports/queueing.py"), Path("reports/tasks.py"), Path("satisfaction/settings.py")}
    naming = [
        str(relative) for relative, text in _code_files() if "rollup_incremental" in text and relative not in allowed
    ]
    assert not naming, f"ask for the rollup with reports.queueing.queue_rollup(), not by its name: {naming}"


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(queueing, "run_or_send", lambda name, kwargs, *, why: calls.append(name) or True)
    return calls


@pytest.mark.django_db
def test_the_rollup_is_asked_for_only_once_the_transaction_commits(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert queueing.queue_rollup() is None  # waits for the commit
        assert sent == []
    assert sent == [queueing.ROLLUP_TASK]


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_asks_for_nothing(sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        queueing.queue_rollup()
        raise RuntimeError("the change fails")
    assert sent == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_says_whether_the_rollup_was_asked_for(sent):
    assert queueing.queue_rollup() is True and sent == [queueing.ROLLUP_TASK]


@pytest.fixture
def with_broker():
    """The embedded mode off for the test (Celery's conf is not a plain attribute holder)."""
    current_app.conf.task_always_eager = False
    cache.delete(queueing.ROLLUP_PENDING_KEY)
    yield
    current_app.conf.task_always_eager = True
    cache.delete(queueing.ROLLUP_PENDING_KEY)


@pytest.fixture
def broker(with_broker, monkeypatch, settings):
    """A broker that records what it is sent."""
    messages = []
    settings.ROLLUP_QUEUE_DEBOUNCE = 60
    monkeypatch.setattr(current_app, "send_task", lambda name, **kwargs: messages.append(name))
    return messages


@pytest.mark.django_db(transaction=True)
def test_a_burst_sends_one_message_until_the_rollup_starts(broker):
    for _ in range(5):
        assert queueing.queue_rollup() is True
    assert broker == [queueing.ROLLUP_TASK]
    queueing.rollup_started()  # the waiting rollup starts: a change from now on needs a new one
    queueing.queue_rollup()
    assert broker == [queueing.ROLLUP_TASK, queueing.ROLLUP_TASK]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_refuses_is_logged_never_raised(with_broker, monkeypatch, caplog, settings):
    settings.ROLLUP_QUEUE_DEBOUNCE = 0

    def refuse(name, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(current_app, "send_task", refuse)
    with caplog.at_level(logging.WARNING, logger="reports.queueing"):
        assert queueing.queue_rollup() is False
    assert "could not queue reports.tasks.rollup_incremental" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_embedded_mode_runs_the_rollup_in_process(city):
    from reports.models import RollupRun

    assert current_app.conf.task_always_eager and not RollupRun.objects.exists()
    assert queueing.queue_rollup() is True
    assert RollupRun.objects.filter(status="succeeded").count() == 1  # (the first run of all is a full one)
