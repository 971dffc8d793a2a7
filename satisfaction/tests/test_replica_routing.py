"""Reads on the replica (satisfaction/replica.py), in the embedded session.

The replica here is the test database itself under a second alias, the way Django mirrors a
replica in tests; a query "on the replica" is one the router sent to that alias. The real hot
standby (stopped, lagging, promoted) is exercised in test_faults_cluster.py on PostgreSQL.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connections

from reports.models import RollupRun, Score
from satisfaction import replica


@pytest.fixture
def mirrored_replica(settings, monkeypatch):
    """A `replica` alias that is the default connection (Django's MIRROR, set up at run time)."""
    default = connections["default"]
    monkeypatch.setitem(settings.DATABASES, "replica", {**default.settings_dict, "TEST": {"MIRROR": "default"}})
    monkeypatch.setitem(connections.settings, "replica", default.settings_dict)
    monkeypatch.setattr(connections._connections, "replica", default, raising=False)
    monkeypatch.setattr(replica, "_health", None)
    settings.REPLICA_CHECK_SECONDS = 60
    yield default
    monkeypatch.setattr(replica, "_health", None)


@pytest.fixture
def replica_queries(mirrored_replica, monkeypatch):
    """The models whose reads the router sent to the replica."""
    seen: list[str] = []
    original = replica.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = original(self, model, **hints)
        if alias == replica.REPLICA:
            seen.append(model._meta.label_lower)
        return alias

    monkeypatch.setattr(replica.ReplicaRouter, "db_for_read", spy)
    return seen


def test_outside_a_request_every_read_is_on_the_primary():
    router = replica.ReplicaRouter()
    assert router.db_for_read(Score) == "default"
    assert router.db_for_write(Score) == "default"
    assert router.allow_migrate("replica", "reports") is False
    assert router.allow_migrate("default", "reports") is True


def test_on_a_score_page_scores_read_from_the_replica_but_accounts_from_the_primary():
    router = replica.ReplicaRouter()
    token = replica._reads.set(replica._Reads(on_replica=True))
    try:
        assert router.db_for_read(Score) == "replica"
        assert router.db_for_read(get_user_model()) == "default"
        assert router.db_for_write(Score) == "default"
    finally:
        replica._reads.reset(token)


def _healthz_detail(client) -> dict:
    """/healthz's details, as a monitor with the token sees them (the public answer is up/down only)."""
    from django.test import override_settings

    with override_settings(HEALTHZ_TOKEN="monitor-token"):
        return client.get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token").json()


@pytest.mark.django_db
def test_without_a_replica_pages_read_from_the_primary_and_say_nothing(client, city):
    client.force_login(city.bob)
    response = client.get("/units/00004/")
    assert response.status_code == 200
    assert "X-Read-From" not in response
    assert _healthz_detail(client)["replica"] == {"configured": False, "reads_on": "primary"}


@pytest.mark.django_db
def test_dashboard_reads_from_the_replica_and_says_how_fresh_its_data_is(client, city, replica_queries):
    RollupRun.objects.create(
        mode=RollupRun.Mode.FULL, status=RollupRun.Status.SUCCEEDED, watermark=datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    )
    client.force_login(city.bob)
    response = client.get("/units/00004/")
    assert response.status_code == 200
    assert response["X-Read-From"] == "replica"
    assert replica_queries, "no query went to the replica"
    assert "reports.rolluprun" in replica_queries
    assert not {"auth.user", "sessions.session"} & set(replica_queries)
    # 01:30 UTC is 08:30 in Hanoi.
    assert "08:30 02/03/2026" in response.content.decode()


@pytest.mark.django_db
def test_open_data_reads_from_the_replica_without_login(client, city, replica_queries):
    response = client.get("/open-data/")
    assert response.status_code == 200
    assert response["X-Read-From"] == "replica"


@pytest.mark.django_db
def test_pages_that_do_not_only_show_scores_stay_on_the_primary(client, city, replica_queries):
    client.force_login(city.bob)
    response = client.get("/manage/")
    assert response["X-Read-From"] == "primary"
    assert not replica_queries


@pytest.mark.django_db
def test_after_a_write_the_client_reads_its_own_writes_from_the_primary(client, city, replica_queries, settings):
    settings.REPLICA_PIN_SECONDS = 45
    client.force_login(city.bob)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/units/00004/"})
    pin = response.cookies[replica.PIN_COOKIE]
    assert pin["max-age"] == 45
    assert pin["httponly"]
    replica_queries.clear()
    response = client.get("/units/00004/")
    assert response.status_code == 200
    assert response["X-Read-From"] == "primary"
    assert not replica_queries


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("probe", "state"),
    [
        (replica.ReplicaHealth("lagging", lag_seconds=95.0), "lagging"),
        (replica.ReplicaHealth("down", error="OperationalError: connection refused"), "down"),
        (replica.ReplicaHealth("not_standby"), "not_standby"),
    ],
)
def test_a_replica_that_is_down_lagging_or_promoted_sends_reads_to_the_primary_with_a_warning(
    client, city, replica_queries, monkeypatch, caplog, probe, state
):
    monkeypatch.setattr(replica, "_probe", lambda: probe)
    client.force_login(city.bob)
    with caplog.at_level(logging.WARNING, logger="satisfaction.replica"):
        response = client.get("/units/00004/")
        client.get("/compare/")
    assert response.status_code == 200
    assert response["X-Read-From"] == "primary"
    assert not replica_queries
    warnings = [r for r in caplog.records if "fall back to the primary" in r.getMessage()]
    assert len(warnings) == 1, "one warning per change of state, not one per page"
    assert state in warnings[0].getMessage()
    detail = _healthz_detail(client)["replica"]
    assert detail["state"] == state
    assert detail["reads_on"] == "primary"


@pytest.mark.django_db
def test_the_replica_failing_under_a_page_reads_the_page_again_from_the_primary(client, city, mirrored_replica, caplog):
    failures = []

    def replica_dies(execute, sql, params, many, context):
        reads = replica._reads.get()
        # The replica's tables and its probe fail; the primary (sessions, the retry) answers.
        if reads is not None and reads.on_replica and ("reports_" in sql or sql == "SELECT 1"):
            failures.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    client.force_login(city.bob)
    with mirrored_replica.execute_wrapper(replica_dies), caplog.at_level(logging.WARNING, "satisfaction.replica"):
        response = client.get("/compare/")
    assert failures, "the page never read from the replica"
    assert response.status_code == 200
    assert response["X-Read-From"] == "primary"
    assert replica.health().state == "down"


@pytest.mark.django_db
def test_the_primary_failing_under_a_score_page_is_an_outage_page_not_a_server_error(client, city, mirrored_replica):
    probes = []

    def everything_fails(execute, sql, params, many, context):
        if sql == "SELECT 1":
            probes.append(sql)
            return execute(sql, params, many, context)  # the replica answers its probe
        raise OperationalError("the database system is shutting down")

    with mirrored_replica.execute_wrapper(everything_fails):
        response = client.get("/open-data/")
    assert response.status_code == 503
    assert probes, "the replica was not asked whether it was to blame"
    assert replica.health().state == "ok", "the replica answered its probe: it is not to blame"


@pytest.mark.django_db
def test_a_csv_export_reads_from_the_replica(client, city, replica_queries):
    client.force_login(city.dana)
    response = client.get("/compare/export/csv/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    assert response["X-Read-From"] == "replica"
    assert "reports.score" in replica_queries


@pytest.mark.django_db
def test_rows_read_while_a_response_streams_come_from_the_replica(replica_queries):
    def rows():
        yield str(Score.objects.count())  # evaluated while the response is sent, after the view

    streamed = replica._keep_reads(replica._Reads(on_replica=True), rows())
    assert list(streamed) == ["0"]
    assert replica_queries == ["reports.score"]
    assert replica._reads.get() is None, "the request's routing must not leak past the response"
