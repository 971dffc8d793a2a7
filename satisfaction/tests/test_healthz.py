import pytest

from reports.models import RollupRun

pytestmark = pytest.mark.django_db

TOKEN = "monitoring-token-for-tests"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.HEALTHZ_TOKEN = TOKEN


def _details(client):
    return client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_anonymous_callers_learn_up_or_down_only(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "up"}
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer wrong").json() == {"status": "up"}
    RollupRun.objects.create(mode="incremental", status="failed", error="boom")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "down"}


def test_administrators_see_the_details_and_staff_do_not(client, city):
    client.force_login(city.alice)
    assert client.get("/healthz").json() == {"status": "up"}
    client.force_login(city.dana)
    assert client.get("/healthz").json()["database"]["ok"] is True


def test_healthz_reports_database_broker_and_rollup(client):
    response = _details(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["rollup"] == {"ok": True, "last": None}


def test_healthz_is_unhealthy_after_a_failed_rollup(client):
    RollupRun.objects.create(mode="incremental", status="failed", error="boom")
    response = _details(client)
    assert response.status_code == 503
    assert response.json()["rollup"]["last"]["status"] == "failed"


def test_healthz_is_unhealthy_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = _details(client)
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
