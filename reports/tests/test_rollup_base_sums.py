"""The base sums read from the per-response sums (issue 15) equal those read from the raw answers,
row for row, on both databases — after submissions, moderation, raw changes and with open links
in or out; and a run refuses to read the sums while responses lack theirs."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from agencies.tests.factories import make_procedure
from reports import moderation, rollup
from reports.rollup import base
from reports.tests.test_rollup_reference import random_responses
from surveys.models import Answer, Response
from surveys.tests.factories import make_standard_survey

pytestmark = [pytest.mark.anydb, pytest.mark.django_db]
FIRST = date(2025, 5, 28)


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) b", list(params))
        return sorted(
            tuple(int(v) if isinstance(v, (int, float)) else str(v)[:10] for v in r) for r in cursor.fetchall()
        )


def assert_same_base(first=None, last=None):
    if first is None:
        from_sums, from_answers = rows(base.base_select_sql()), rows(base.answers_select_sql())
    else:
        from datetime import datetime

        from reports.rollup.dialect import city_zone

        tz = city_zone()
        bounds = [
            connection.ops.adapt_datetimefield_value(datetime.combine(first, datetime.min.time(), tz)),
            connection.ops.adapt_datetimefield_value(
                datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
            ),
        ]
        from_sums = rows(base.base_select_sql(base.span_filter()), bounds * 2)
        from_answers = rows(base.answers_select_sql(base.span_filter(alias="r")), bounds * 2)
    assert from_sums == from_answers
    assert from_sums  # the data is not empty: the comparison means something


@pytest.mark.parametrize("open_link", [False, True])
def test_the_base_sums_from_the_per_response_sums_equal_those_from_the_answers(city, settings, open_link):
    settings.INCLUDE_OPEN_LINK_IN_SCORES = open_link
    version = make_standard_survey(city.root)
    procedures = [make_procedure(), make_procedure(), None]
    made = random_responses(city, version, random.Random(15), 60, procedures, FIRST, 9)
    assert_same_base()
    assert_same_base(FIRST + timedelta(days=2), FIRST + timedelta(days=4))

    # Moderation, deletion and raw changes: the sums follow, the two sources still agree.
    moderation.response_exclude(response_id=made[0].pk, user=city.dana, reason="spam", queue=False)
    moderation.response_reassign(response_id=made[1].pk, user=city.dana, unit=city.ward_b, reason="counter")
    moderation.response_delete(response_id=made[2].pk, user=city.dana, reason="test")
    Answer.objects.filter(response=made[3]).update(value=1)
    Answer.objects.filter(response=made[4]).delete()
    Response.objects.filter(pk=made[5].pk).update(submitted_at=made[5].submitted_at + timedelta(days=1))
    assert_same_base()


def test_a_run_refuses_to_read_sums_not_yet_backfilled(city):
    from surveys.tests.test_response_sums import _forget_sums

    version = make_standard_survey(city.root)
    made = random_responses(city, version, random.Random(5), 5, [None], FIRST, 3)
    _forget_sums([made[0].pk])
    with pytest.raises(base.SumsMissing, match="backfill_response_sums"):
        rollup.rollup_run(mode="full")
