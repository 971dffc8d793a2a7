"""Query counts stay constant as units grow: 10 vs 500 sub-units, same number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Unit
from reports.models import Scope, Score
from reports.tests.factories import make_unit_scores
from surveys.standard import ensure_dimensions

OCT = date(2025, 10, 1)
MAX_QUERIES = 33  # session (read, and saved on every request for the idle timeout: +3 with its savepoint), user, permission look-ups, navigation, then one query per block of the page (issue 17 added four: funnel sums, receipts, responses per channel, Decision 766 yardstick; issue 18 one: comments by topic and month)


def _grow(city, count: int) -> None:
    """`count` wards under the city root, each with its overall and five element scores."""
    dims = list(ensure_dimensions().values())
    units = []
    existing = Unit.objects.filter(parent=city.root).count()
    for i in range(existing, count):
        units.append(
            Unit.objects.create(parent=city.root, kind=Unit.Kind.WARD, code=f"W{i:04d}", name_vi=f"Phường {i}")
        )
    rows = []
    for n, unit in enumerate(units):
        for dim in [None, *dims]:
            rows.append(
                Score(
                    unit=unit,
                    scope=Scope.SUBTREE,
                    dimension=dim,
                    period_type="month",
                    period_start=OCT,
                    responses=30 + n % 20,
                    answers=200,
                    index_sipas=70 + n % 25,
                    ci_low_sipas=65,
                    ci_high_sipas=95,
                    index_766=90,
                    ci_low_766=85,
                    ci_high_766=95,
                    mean=4.1,
                    enough_responses=n % 7 != 0,
                )
            )
    Score.objects.bulk_create(rows)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


URLS = [
    "/units/01/?period=2025-10",
    "/compare/?period=2025-10",
    "/compare/?period=2025-10&sort=dim_access&order=desc",
    "/compare/export/csv/?period=2025-10",
    "/api/v1/scores/?period=2025-10&dimension=all",
]


@pytest.mark.django_db
@pytest.mark.slow
def test_query_counts_do_not_grow_with_the_number_of_units(client, city, django_assert_max_num_queries):
    make_unit_scores(city.root, start=OCT, index=84)
    client.force_login(city.dana)
    _grow(city, 10)
    small = {url: _count(client, url) for url in URLS}
    _grow(city, 500)
    for url in URLS:
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert _count(client, url) == small[url], url
