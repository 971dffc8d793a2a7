import pytest

from reports.models import RollupRun

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_rollup(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["rollup"] == {"ok": True, "last": None}


def test_healthz_is_unhealthy_after_a_failed_rollup(client):
    RollupRun.objects.create(mode="incremental", status="failed", error="boom")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["rollup"]["last"]["status"] == "failed"


def test_healthz_is_unhealthy_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
