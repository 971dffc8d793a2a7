"""A real `celery worker` consuming only the `exports` queue builds a large export asked for on a page.

The page (test client) creates the job and queues `reports.tasks.export_build` on Redis when its
transaction commits; the worker, a subprocess on the same PostgreSQL test database and the same
MEDIA_ROOT, builds the file; the status page then offers the link and the file downloads.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from reports.models import ExportJob
from reports.tests.factories import make_unit_scores
from reports.tests.test_worker import celery_worker


@pytest.fixture
def exports_worker(redis_server, test_database_url, tmp_path):
    env = {
        "CELERY_BROKER_URL": redis_server,
        "DATABASE_URL": test_database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    with celery_worker(env, tmp_path / "worker.log", queues="exports") as started:
        yield started


@pytest.fixture
def celery_on_redis(redis_server):
    """This process's Celery app sends to Redis instead of running tasks in-process."""
    from satisfaction.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_server, task_always_eager=False)
    app._pool = None
    try:
        yield app
    finally:
        app.conf.update(saved)
        app._pool = None


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_large_export_is_built_by_a_worker_on_the_exports_queue(
    city, client, exports_worker, celery_on_redis, settings, tmp_path
):
    proc, log = exports_worker
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORT_BACKGROUND_MIN_ROWS = 1
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=date(2025, 10, 1), index=90.0)
    client.force_login(city.alice)

    response = client.get("/units/00004/export/csv/", {"period": "2025-10"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("ready", "failed"):
            break
        assert proc.poll() is None, "the worker died:\n" + (log.seek(0) or log.read())
        time.sleep(0.3)
    log.seek(0)
    output = log.read()
    assert job.status == "ready", f"job {job.status} after 90 s; worker log:\n{output}"
    assert "reports.tasks.export_build" in output
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert f"/exports/{job.pk}/download/" in page
    body = b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and ("Phường Ba Đình" in body or "Ba Dinh Ward" in body)
