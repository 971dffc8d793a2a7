"""Every staff list pages before it aggregates: the same number of queries whatever the number of
responses stored (10 or 400 here; the per-row work is done for the page shown only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from surveys.models import Answer, Response
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = pytest.mark.anydb  # on SQLite and again on PostgreSQL (pytest --postgres)

LISTS = ["/manage/moderation/", "/units/01/", "/manage/moderation/?comment=1", "/manage/audit/"]


def _more(version, unit, n: int) -> None:
    """n more responses with comments and 16 answers each, in bulk (the shape of the demo's rows)."""
    template = make_response(version, unit, [4] * 16, comment="mẫu")
    now = timezone.now()
    responses = Response.objects.bulk_create(
        Response(
            version=version,
            unit=unit,
            channel="kiosk",
            submitted_at=now - timedelta(minutes=i),
            changed_at=now,
            comment=f"ý kiến {i}",
        )
        for i in range(n)
    )
    if any(r.pk is None for r in responses):
        responses = list(Response.objects.exclude(pk=template.pk).order_by("-pk")[:n])
    answers = list(template.answers.all())
    Answer.objects.bulk_create(
        Answer(response=r, question_id=a.question_id, kind=a.kind, value=(r.pk % 5) + 1)
        for r in responses
        for a in answers
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    for query in ctx.captured_queries:
        sql = query["sql"]
        # Answers are read for the rows shown only: never joined to the whole list before LIMIT.
        if '"surveys_answer"' in sql:
            assert '"surveys_answer"."response_id" IN (' in sql, (url, sql[:400])
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS)
def test_staff_lists_cost_the_same_queries_for_10_or_400_responses(client, city, url):
    version = make_standard_survey(city.root)
    _more(version, city.ward_a, 9)
    client.force_login(city.dana)
    client.get(url)  # warm caches (survey versions, sessions)
    few = _queries(client, url)
    _more(version, city.ward_b, 390)
    many = _queries(client, url)
    assert few == many, (url, few, many)


@pytest.mark.django_db
def test_receipt_batches_page_costs_the_same_for_10_or_300_printed_receipts(client, city):
    from surveys.manage.services import receipts_issue_batch

    receipts_issue_batch(unit=city.ward_a, count=10, user=city.bob)
    client.force_login(city.bob)
    client.get("/manage/receipts/")
    few = _queries(client, "/manage/receipts/")
    for _ in range(3):
        receipts_issue_batch(unit=city.ward_a, count=100, user=city.bob)
    assert _queries(client, "/manage/receipts/") == few
