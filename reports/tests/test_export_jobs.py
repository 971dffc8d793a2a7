"""Large exports run as background jobs with a private, expiring link; small ones stay immediate."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import AuditEvent, Membership
from reports import export_jobs, tasks
from reports.models import ExportJob
from reports.tests.factories import make_unit_scores

OCT = date(2025, 10, 1)


@pytest.fixture
def scored(city, settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    make_unit_scores(city.ward_a, start=OCT, index=90.0, change=5.0, significant=True)
    make_unit_scores(city.ward_b, start=OCT, index=80.0)
    make_unit_scores(city.department, start=OCT, index=99.0, responses=10)
    return city


@pytest.fixture
def background(settings):
    """Every export is large enough to be a job."""
    settings.EXPORT_BACKGROUND_MIN_ROWS = 1


def _rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _ask(client, django_capture_on_commit_callbacks, url, params=None) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, params or {"period": "2025-10"})
    assert response.status_code == 302, response.status_code
    job = ExportJob.objects.get()
    assert response["Location"] == f"/exports/{job.pk}/"
    return job


def _download(client, job) -> bytes:
    response = client.get(f"/exports/{job.pk}/download/")
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_a_small_export_is_answered_at_once_without_a_job(client, scored):
    client.force_login(scored.dana)
    response = client.get("/compare/export/csv/", {"period": "2025-10"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert not ExportJob.objects.exists()
    assert AuditEvent.objects.filter(action="export").count() == 1


@pytest.mark.django_db
def test_a_large_export_in_embedded_mode_is_ready_at_once_and_holds_the_immediate_file(
    client, scored, settings, django_capture_on_commit_callbacks
):
    client.force_login(scored.dana)
    params = {"period": "2025-10", "kind": "ward", "sort": "index", "order": "asc"}
    immediate = _rows(b"".join(client.get("/compare/export/csv/", params).streaming_content))
    settings.EXPORT_BACKGROUND_MIN_ROWS = 1
    job = _ask(client, django_capture_on_commit_callbacks, "/compare/export/csv/", params)
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == ("ready", 100, 2)
    page = client.get(f"/exports/{job.pk}/")
    assert page.status_code == 200
    assert f'href="/exports/{job.pk}/download/"' in page.content.decode()
    background = _rows(_download(client, job))
    assert background[0] == immediate[0] and background[1:] == immediate[1:]
    assert [r[1] for r in background[1:]] == ["00008", "00004"]


@pytest.mark.django_db
def test_one_audit_record_per_background_export_naming_the_job(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/xlsx/")
    _download(client, job)
    _download(client, job)
    tasks.export_build(str(job.pk))  # a redelivered message
    (event,) = AuditEvent.objects.filter(action="export")
    assert event.actor == scored.alice and event.object_type == "export.unit" and event.object_id == "00004"
    assert event.details["job"] == str(job.pk) and event.details["background"] is True
    assert event.details["format"] == "xlsx" and event.details["period"] == "2025-10"


@pytest.mark.django_db
def test_a_redelivered_build_rebuilds_the_same_file_under_the_same_job(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/csv/")
    job.refresh_from_db()
    first_name, first = job.file.name, _download(client, job)
    tasks.export_build(str(job.pk))
    job.refresh_from_db()
    assert job.file.name == first_name == f"exports/{job.pk}/thuoc-do-00004-2025-10.csv"
    assert job.status == "ready" and job.attempts == 2
    assert _download(client, job) == first
    assert ExportJob.objects.count() == 1


@pytest.mark.django_db
def test_the_period_is_fixed_when_the_export_is_asked_for(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/csv/", {})
    assert job.params["period"] == ["2025-10"]


@pytest.mark.django_db
def test_another_user_gets_404_on_the_link(client, scored, background, django_capture_on_commit_callbacks):
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/csv/")
    for other in (scored.bob, scored.charlie, scored.dana):  # even those who see the same unit
        client.force_login(other)
        assert client.get(f"/exports/{job.pk}/").status_code == 404
        assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_a_user_who_lost_the_membership_gets_404_on_the_link(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/xlsx/")
    assert client.get(f"/exports/{job.pk}/download/").status_code == 200
    Membership.objects.filter(user=scored.alice).delete()
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_comparison_link_dies_with_any_membership_it_was_built_on(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.bob)
    Membership.objects.create(user=scored.bob, unit=scored.ward_b, role=Membership.Role.STAFF)
    job = _ask(client, django_capture_on_commit_callbacks, "/compare/export/csv/")
    assert client.get(f"/exports/{job.pk}/download/").status_code == 200
    Membership.objects.filter(user=scored.bob, unit=scored.ward_b).delete()  # still sees ward A, not B
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_job_whose_user_lost_the_membership_before_the_build_fails_with_a_reason(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.get("/units/00004/export/csv/", {"period": "2025-10"})
    job = ExportJob.objects.get()
    Membership.objects.filter(user=scored.alice).delete()
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == export_jobs.NOT_PERMITTED and not job.file


@pytest.mark.django_db
def test_an_expired_link_answers_410_with_a_page_and_the_cleanup_deletes_the_file(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/csv/")
    job.refresh_from_db()
    path = job.file.path
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for url in (f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 410
        assert "This export has expired" in response.content.decode()
        assert 'href="/units/00004/?period=2025-10"' in response.content.decode()
    assert tasks.export_cleanup() == 1
    job.refresh_from_db()
    assert job.status == "expired" and not job.file
    import os

    assert not os.path.exists(path)
    assert tasks.export_cleanup() == 0  # twice is harmless
    assert client.get(f"/exports/{job.pk}/download/").status_code == 410
    tasks.export_build(str(job.pk))  # a late redelivery builds nothing
    job.refresh_from_db()
    assert job.status == "expired" and not job.file


@pytest.mark.django_db
def test_the_status_page_shows_progress_until_the_file_is_ready(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.alice)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.get("/units/00004/export/xlsx/", {"period": "2025-10"})
    job = ExportJob.objects.get()
    page = client.get(f"/exports/{job.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "waiting for a worker" in body and "<progress" in body
    assert "js/export_status.js" in body and 'http-equiv="refresh"' not in body
    assert f"/exports/{job.pk}/download/" not in body
    assert client.get(f"/exports/{job.pk}/download/")["Location"] == f"/exports/{job.pk}/"
    ExportJob.objects.filter(pk=job.pk).update(status="running", progress=40)
    assert client.get(f"/exports/{job.pk}/", {"format": "json"}).json() == {
        "state": "running",
        "progress": 40,
        "message": "Your export is being built: 40% done.",
    }
    for callback in queued:
        callback()
    assert client.get(f"/exports/{job.pk}/", {"format": "json"}).json()["state"] == "ready"
    book = load_workbook(io.BytesIO(_download(client, job)))
    assert "About" in book.sheetnames


@pytest.mark.django_db
def test_a_broker_that_is_down_fails_the_job_with_a_message(
    client, scored, background, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.export_build, "apply", refuse)
    client.force_login(scored.alice)
    job = _ask(client, django_capture_on_commit_callbacks, "/units/00004/export/csv/")
    page = client.get(f"/exports/{job.pk}/")
    assert page.status_code == 200 and "could not be started" in page.content.decode()


@pytest.mark.django_db
def test_a_background_export_keeps_the_presentation_rule(
    client, scored, background, django_capture_on_commit_callbacks
):
    client.force_login(scored.dana)
    job = _ask(
        client, django_capture_on_commit_callbacks, "/compare/export/csv/", {"period": "2025-10", "kind": "department"}
    )
    rows = _rows(_download(client, job))
    head, (row,) = rows[0], rows[1:]
    assert row[head.index("Responses")] == "10"  # counts only
    assert row[head.index("SIPAS index (%)")] == "" and row[head.index("Enough answers")] == "no"
    assert row[head.index("Mean score (1–5)")] == "" and row[0] == ""


@pytest.mark.django_db
def test_the_estimate_counts_rows_without_building_the_export(scored):
    from django.http import QueryDict

    from reports.periods import Period

    period = Period.parse("2025-10")
    units = export_jobs.estimate_rows(
        user=scored.dana, kind="compare", unit=None, query=QueryDict("kind=ward"), period=period
    )
    assert units == 2
    unit_rows = export_jobs.estimate_rows(
        user=scored.alice, kind="unit", unit=scored.ward_a, query=QueryDict(), period=period
    )
    assert unit_rows >= 40


@pytest.mark.django_db
def test_a_job_running_past_the_time_limit_shows_as_failed_but_a_queued_one_waits(
    client, scored, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_MIN_ROWS = 1
    client.force_login(scored.alice)
    with django_capture_on_commit_callbacks(execute=False):
        client.get("/units/00004/export/csv/", {"period": "2025-10"})
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert client.get(f"/exports/{job.pk}/", {"format": "json"}).json()["state"] == "pending"
    started = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) - timedelta(minutes=6)
    ExportJob.objects.filter(pk=job.pk).update(status="running", started_at=started)
    state = client.get(f"/exports/{job.pk}/", {"format": "json"}).json()
    assert state["state"] == "failed" and "did not finish" in state["message"]
