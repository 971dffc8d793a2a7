"""A real Redis and a real `celery worker` process turn a committed submission into Score rows.

The test process queues `reports.tasks.rollup_incremental` by name once the response's
transaction commits (as the citizen code does); the worker, started here as a subprocess on
the same PostgreSQL test database, runs it; the Score rows appear within a bounded time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction

from reports.models import RollupRun, Score
from reports.tests.test_rollup_reference import assert_matches_reference, local
from surveys.tests.factories import make_response, make_standard_survey

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def celery_worker(env: dict[str, str], log_path: Path, *, queues: str | None = None):
    """A `celery worker` subprocess (solo pool) with `env` added to ours; yields (process, log)."""
    log = open(log_path, "w+")  # noqa: SIM115 — closed in the finally below
    command = [sys.executable, "-m", "celery", "-A", "satisfaction", "worker"]
    if queues:
        command += ["-Q", queues]
    command += ["--pool=solo", "--loglevel=INFO", "--without-mingle", "--without-gossip", "--without-heartbeat"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "satisfaction.settings", "LOG_LEVEL": "INFO", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


@pytest.fixture
def worker(redis_server, test_database_url, tmp_path):
    env = {"CELERY_BROKER_URL": redis_server, "DATABASE_URL": test_database_url}
    with celery_worker(env, tmp_path / "worker.log") as started:
        yield started


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_committed_submission_is_rolled_up_by_a_real_worker(city, redis_server, worker, settings):
    from satisfaction.celery import app

    proc, log = worker
    settings.CELERY_BROKER_URL = redis_server
    settings.CELERY_TASK_ALWAYS_EAGER = False
    version = make_standard_survey(city.root)
    day = date(2025, 10, 3)

    def queue_rollup():
        with app.connection_for_write(redis_server) as connection:
            app.send_task("reports.tasks.rollup_incremental", connection=connection)

    with transaction.atomic():
        make_response(version, city.ward_a, [5, 4, 2], submitted_at=local(day))
        transaction.on_commit(queue_rollup)
    assert not Score.objects.exists()  # nothing runs in this process

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not Score.objects.filter(unit=city.ward_a).exists():
        assert proc.poll() is None, "the worker died:\n" + (log.seek(0) or log.read())
        time.sleep(0.3)
    log.seek(0)
    output = log.read()
    assert Score.objects.filter(unit=city.ward_a).exists(), "no Score rows after 90 s; worker log:\n" + output
    run = RollupRun.objects.get()
    assert run.status == "succeeded"
    month = Score.objects.in_scope("subtree").get(
        unit=city.root, dimension=None, procedure=None, period_type="month", period_start=date(2025, 10, 1)
    )
    assert (month.responses, month.answers, month.satisfied) == (1, 3, 2)
    assert "reports.tasks.rollup_incremental" in output
    assert_matches_reference()
