"""Fault: the Celery worker is killed (SIGKILL) in the middle of a full rollup on PostgreSQL.

The rule protected (reports.rollup): the scores of a run are written in one transaction, so a
worker that dies mid-run leaves the previous scores exactly as they were; the advisory lock dies with
its connection; the next run marks the interrupted one failed, succeeds, and its counts equal the
reference computed from the raw answers.
"""

from __future__ import annotations

import signal
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports import rollup
from reports.models import RollupRun, Score
from reports.tests.test_rollup_reference import reference_scores, stored_scores
from reports.tests.test_worker import worker  # noqa: F401 — the real worker subprocess fixture
from surveys.models import Response

FIGURES = (
    "unit_id",
    "scope",
    "dimension_id",
    "procedure_id",
    "period_type",
    "period_start",
    "responses",
    "answers",
    "satisfied",
)


def _scores() -> list[tuple]:
    return list(Score.objects.order_by(*FIGURES[:6]).values_list(*FIGURES))


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_rollup_keeps_scores_and_the_next_run_converges(
    redis_server,
    worker,  # noqa: F811 — the fixture imported above
    settings,
    tmp_path,
):
    from satisfaction.celery import app

    proc, log = worker
    settings.VAR_DIR = tmp_path  # the demo's account file
    settings.CELERY_BROKER_URL = redis_server
    settings.CELERY_TASK_ALWAYS_EAGER = False
    call_command("seed_demo", "--responses", "40000", "--no-rollup", stdout=StringIO(), stderr=StringIO())
    rollup.rollup_run(mode=RollupRun.Mode.FULL)
    before = _scores()
    assert before
    # Answers change (a batch excluded) after that run: the next full run has real work to write.
    changed = list(Response.objects.order_by("id").values_list("id", flat=True)[:3000])
    Response.objects.filter(pk__in=changed).update(excluded=True, excluded_reason="test", changed_at=timezone.now())

    with app.connection_for_write(redis_server) as connection:
        app.send_task("reports.tasks.rollup_nightly", connection=connection)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not RollupRun.objects.filter(status=RollupRun.Status.RUNNING).exists():
        assert proc.poll() is None, "the worker died on its own:\n" + (log.seek(0) or log.read())
        time.sleep(0.05)
    assert RollupRun.objects.filter(status=RollupRun.Status.RUNNING).exists(), "the worker never started the run"
    time.sleep(0.5)  # well into the run
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    interrupted = RollupRun.objects.latest("id")
    assert interrupted.status == RollupRun.Status.RUNNING, "the run finished before the kill: make it longer"
    assert _scores() == before  # nothing of the half-done run is visible

    run = rollup.rollup_run(mode=RollupRun.Mode.FULL)  # waits for PostgreSQL to drop the dead lock
    interrupted.refresh_from_db()
    assert run.status == RollupRun.Status.SUCCEEDED and interrupted.status == RollupRun.Status.FAILED
    after = _scores()
    assert after != before
    # Converged: every count equals the reference computed from the raw answers, and a further run changes nothing.
    counts = ("responses", "answers", "satisfied", "not_dissatisfied", "dissatisfied")
    expected, stored = reference_scores(), stored_scores()
    assert set(stored) == set(expected)
    assert all(tuple(stored[k][f] for f in counts) == tuple(expected[k][f] for f in counts) for k in expected)
    rollup.rollup_run(mode=RollupRun.Mode.FULL)
    assert _scores() == after
