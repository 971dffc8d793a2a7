"""A database outage never shows a 500: every page, staff ones included, answers the 503 page with
Retry-After — whether the failing query runs in a view, a middleware or a streamed export."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends import utils
from django.test import Client

pytestmark = pytest.mark.anydb  # on SQLite and again on PostgreSQL (pytest --postgres)

URLS = [
    "/",
    "/compare/",
    "/dashboard/",
    "/units/01/",
    "/units/01/export/csv/",
    "/units/01/export/xlsx/",
    "/manage/moderation/",
    "/manage/audit/",
    "/manage/receipts/",
    "/manage/surveys/",
    "/open-data/",
    "/r/ABCD-EFGH-JK/",
    "/admin/",
    "/api/v1/scores/",
]


@pytest.fixture
def outage(monkeypatch):
    def down(self, *args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    def start():
        monkeypatch.setattr(utils.CursorWrapper, "execute", down)
        monkeypatch.setattr(utils.CursorWrapper, "executemany", down)

    return start


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_every_page_answers_503_with_retry_after_when_the_database_is_down(city, outage, url):
    client = Client(raise_request_exception=False)
    client.force_login(city.dana)
    outage()
    response = client.get(url)
    assert response.status_code == 503, (url, response.status_code)
    assert response["Retry-After"] == "10"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if url.startswith("/api/"):
        assert "detail" in response.json()
    else:
        assert "Hệ thống đang bận".encode() in body or b"The service is busy" in body


@pytest.mark.django_db
def test_anonymous_pages_too(city, outage):
    client = Client(raise_request_exception=False)
    outage()
    for url in ("/open-data/", "/k/some-token/", "/r/ABCD-EFGH-JK/"):
        response = client.get(url)
        assert response.status_code == 503, (url, response.status_code)
