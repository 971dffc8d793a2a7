"""Exactly once: double clicks, retries, simultaneous submissions, and a broker that is down."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from surveys.models import Response
from surveys.tests.conftest import rating_post
from surveys.tests.factories import make_receipt, make_response


def url(receipt) -> str:
    return f"/r/{receipt.display_code}/"


@pytest.mark.anydb
@pytest.mark.django_db
def test_double_click_shows_the_same_thank_you_and_stores_once(client, receipt, standard):
    data = rating_post(standard)
    first = client.post(url(receipt), data)
    second = client.post(url(receipt), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/r/{receipt.display_code}/thanks/"
    assert Response.objects.filter(receipt=receipt).count() == 1


@pytest.mark.anydb
@pytest.mark.django_db
def test_another_submission_of_a_used_receipt_is_told_it_was_answered(client, receipt, standard):
    assert client.post(url(receipt), rating_post(standard)).status_code == 302
    other = Client().post(url(receipt), rating_post(standard, value="1"))
    assert other.status_code == 409
    assert "Giấy hẹn này đã được đánh giá" in other.content.decode()
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.filter(value=1).count() == 0


@pytest.mark.django_db
def test_used_expired_unknown_and_closed_codes_get_clear_pages(client, city, standard):
    used = make_receipt(city.ward_a)
    make_response(standard, city.ward_a, [4] * 16, receipt=used)
    used.used_at = timezone.now()
    used.save()
    page = client.get(url(used))
    assert page.status_code == 410 and "đã được đánh giá" in page.content.decode()

    expired = make_receipt(city.ward_a, issued_at=timezone.now() - timedelta(days=31))
    page = client.get(url(expired))
    assert page.status_code == 410 and "hết hạn" in page.content.decode()
    assert client.post(url(expired), rating_post(standard)).status_code == 410

    page = client.get("/r/7K2F-9QXM-A3/")
    assert page.status_code == 404 and "Không tìm thấy mã này" in page.content.decode()
    assert 'name="code"' in page.content.decode()  # the way forward: type another code

    standard.status = "closed"
    standard.save()
    page = client.get(url(make_receipt(city.ward_a)))
    assert page.status_code == 410 and "đã đóng" in page.content.decode()
    assert not Response.objects.exclude(receipt=used).exists()


@pytest.mark.django_db
def test_code_entry_accepts_any_case_dashes_and_spaces(client, receipt, standard):
    typed = " " + " ".join(receipt.code.lower()) + " "
    response = client.post("/code/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == url(receipt)


@pytest.mark.django_db
def test_wrong_codes_slow_an_address_down_without_locking_out_valid_codes(client, receipt, standard):
    for _ in range(10):
        assert client.get("/r/0000-0000-00/").status_code == 404
    blocked = client.get("/r/0000-0000-00/")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Thử quá nhiều lần" in blocked.content.decode()
    # During the cool-down one try every few seconds is still checked, so a real code gets through
    # (a shared address carries citizens too)...
    assert client.get(url(receipt)).status_code == 200
    # ...while the next guess right after waits: guessing stays as slow as before.
    assert client.get("/r/1111-1111-11/").status_code == 429
    # The browser that opened its code keeps it for the cool-down (a signed cookie names it).
    assert client.get(url(receipt)).status_code == 200
    assert client.post("/code/", {"code": receipt.code}).status_code == 302
    # Another client is not affected.
    assert Client(REMOTE_ADDR="10.1.2.3").get(url(receipt)).status_code == 200


@pytest.mark.django_db
def test_rate_limit_never_stores_the_raw_address(client, receipt):
    from django.core.cache import cache

    for _ in range(3):
        client.get("/r/0000-0000-00/", REMOTE_ADDR="203.0.113.77")
    keys = list(cache._cache.keys())  # locmem: inspect what was stored
    assert keys and not any("203.0.113.77" in k for k in keys)


def _forget_broker_connections(app) -> None:
    """Celery caches its connection and producer pools with the broker URL they were made for;
    drop them so that no later test of this process talks to the unreachable broker."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.mark.anydb
@pytest.mark.django_db
def test_submission_succeeds_with_the_broker_down(
    client, receipt, standard, caplog, django_capture_on_commit_callbacks
):
    from celery import current_app

    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    _forget_broker_connections(current_app)
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:9/0"  # nothing listens on port 9
    try:
        with (
            caplog.at_level(logging.WARNING, logger="surveys.citizen.services"),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            response = client.post(url(receipt), rating_post(standard))
    finally:
        conf.task_always_eager, conf.broker_url = saved
        _forget_broker_connections(current_app)
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert Response.objects.filter(receipt=receipt).count() == 1
    assert "could not queue reports.tasks.rollup_incremental" in caplog.text


@pytest.mark.django_db
def test_a_failing_rollup_never_undoes_the_answer(
    client, receipt, standard, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    class Exploding:
        def apply(self, *a, **k):
            raise RuntimeError("rollup crashed")

        apply_async = apply

    assert current_app.conf.task_always_eager  # the embedded mode: tasks run in-process
    monkeypatch.setitem(current_app.tasks, "reports.tasks.rollup_incremental", Exploding())
    with (
        caplog.at_level(logging.WARNING, logger="surveys.citizen.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert client.post(url(receipt), rating_post(standard)).status_code == 302
    assert Response.objects.count() == 1
    assert "rollup crashed" in caplog.text


# --------------------------------------------------------------------------- real races on PostgreSQL


def _race(receipt, bodies):
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def worker(i):
        client = Client(REMOTE_ADDR=f"10.0.0.{i + 1}")
        try:
            barrier.wait()
            results[i] = client.post(url(receipt), bodies[i])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_one_code_store_exactly_one(city, standard):
    for _round in range(3):
        receipt = make_receipt(city.ward_a)
        results = _race(receipt, [rating_post(standard) for _ in range(8)])
        statuses = sorted(r.status_code for r in results)
        assert statuses.count(302) == 1, statuses
        assert statuses.count(409) == 7, statuses
        losers = [r for r in results if r.status_code == 409]
        assert all("đã được đánh giá" in r.content.decode() for r in losers)
        assert Response.objects.filter(receipt=receipt).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_all_see_thank_you(city, standard):
    receipt = make_receipt(city.ward_a)
    body = rating_post(standard, key=str(uuid.uuid4()))
    results = _race(receipt, [body] * 6)
    assert [r.status_code for r in results] == [302] * 6
    assert Response.objects.filter(receipt=receipt).count() == 1


@pytest.mark.anydb
@pytest.mark.django_db
def test_a_key_copied_from_another_receipt_stores_nothing(client, city, standard):
    first, second = make_receipt(city.ward_a), make_receipt(city.ward_a)
    key = str(uuid.uuid4())
    assert client.post(url(first), rating_post(standard, key=key)).status_code == 302
    response = client.post(url(second), rating_post(standard, key=key))
    assert response.status_code == 400
    second.refresh_from_db()
    assert second.used_at is None  # the claim was rolled back with the refused answer
    assert Response.objects.count() == 1


def test_behind_a_proxy_the_forwarded_client_is_rate_limited(rf, settings):
    from surveys.ratelimit import client_address, client_hash

    settings.NUM_PROXIES = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_address(request) == "198.51.100.7"  # the spoofable left part is ignored
    other = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_hash(request) != client_hash(other)
    settings.NUM_PROXIES = 0
    assert client_address(request) == "10.0.0.1"


@pytest.mark.django_db
def test_refused_code_then_language_switch_lands_on_the_home_page(client):
    response = client.post("/code/", {"code": "not a code"})
    assert response.status_code == 400
    assert "Mã không hợp lệ" in response.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/code/"}, follow=True)
    assert switched.status_code == 200
    assert "Start the survey" in switched.content.decode()
