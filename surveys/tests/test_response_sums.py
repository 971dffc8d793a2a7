"""Per-response sums (issue 15): written by the database with the answers, by every path, and
never able to disagree with them. Marked anydb: the same tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from reports import moderation
from surveys.citizen.services import response_submit
from surveys.models import Answer, Response, ResponseSum
from surveys.response_sums import response_sums_disagreeing, response_sums_missing, response_sums_write
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = [pytest.mark.anydb, pytest.mark.django_db]


def expected_rows(response: Response) -> dict[int, tuple[int, int, int, int, int]]:
    """The sums computed in Python from the answers, the scoring definitions spelled out."""
    rows: dict[int, list[int]] = {0: []}
    for answer in Answer.objects.filter(response=response, kind="rating", value__isnull=False).select_related(
        "question"
    ):
        rows[0].append(answer.value)
        rows.setdefault(answer.question.dimension_id or -1, []).append(answer.value)
    return {
        key: (len(v), sum(x >= 4 for x in v), sum(x >= 3 for x in v), sum(x <= 2 for x in v), sum(v))
        for key, v in rows.items()
    }


def stored_rows(response: Response) -> dict[int, tuple[int, int, int, int, int]]:
    return {
        s.dimension_key: (s.answers, s.satisfied, s.not_dissatisfied, s.dissatisfied, s.sum_values)
        for s in ResponseSum.objects.filter(response_id=response.pk)
    }


@pytest.fixture
def version(city):
    return make_standard_survey(city.root)


def test_a_submitted_response_has_its_sums_per_dimension_and_overall(city, version):
    questions = list(version.questions.filter(kind="rating").order_by("order"))
    ratings = [5, 4, 3, 2, 1, None] + [4] * (len(questions) - 6)
    result = response_submit(
        version=version,
        unit=city.ward_a,
        channel="kiosk",
        answers=dict(zip(questions, ratings, strict=False)),
        idempotency_key=uuid.uuid4(),
    )
    response = result.response
    assert stored_rows(response) == expected_rows(response)
    overall = ResponseSum.objects.get(response_id=response.pk, dimension_key=0)
    rated = [r for r in ratings if r is not None]
    assert (overall.answers, overall.sum_values) == (len(rated), sum(rated))
    assert overall.unit_id == city.ward_a.pk and overall.channel == "kiosk" and not overall.excluded
    assert len(stored_rows(response)) > 2  # the standard survey has several dimensions


def test_the_day_is_the_local_day_of_submission(city, version):
    # 23:30 UTC is already the next day in Hà Nội (UTC+7).
    late = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    response = make_response(version, city.ward_a, [4, 4, 4], submitted_at=late)
    assert ResponseSum.objects.get(response_id=response.pk, dimension_key=0).day.isoformat() == "2026-03-02"


def test_a_response_without_rated_answers_keeps_an_empty_overall_row(city, version):
    response = make_response(version, city.ward_a, [None, None])
    assert stored_rows(response) == {0: (0, 0, 0, 0, 0)}


def test_moderation_moves_excludes_includes_and_deletes_the_sums(city, version):
    response = make_response(version, city.ward_a, [5, 2, 4, 3], procedure=None)
    dana = city.dana
    moderation.response_exclude(response_id=response.pk, user=dana, reason="spam", queue=False)
    assert set(ResponseSum.objects.filter(response_id=response.pk).values_list("excluded", flat=True)) == {True}
    moderation.response_include(response_id=response.pk, user=dana, reason="not spam")
    assert set(ResponseSum.objects.filter(response_id=response.pk).values_list("excluded", flat=True)) == {False}
    moderation.response_reassign(response_id=response.pk, user=dana, unit=city.ward_b, reason="wrong counter")
    assert set(ResponseSum.objects.filter(response_id=response.pk).values_list("unit_id", flat=True)) == {
        city.ward_b.pk
    }
    assert response_sums_disagreeing([response.pk]) == []
    moderation.response_delete(response_id=response.pk, user=dana, reason="test data")
    assert not ResponseSum.objects.filter(response_id=response.pk).exists()


def test_raw_sql_on_answers_and_responses_is_followed_by_the_sums(city, version):
    response = make_response(version, city.ward_a, [5, 5, 5, 5])
    first = Answer.objects.filter(response=response).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE surveys_answer SET value = 1 WHERE id = %s", [first.pk])
        cursor.execute("DELETE FROM surveys_answer_choices WHERE answer_id IN (SELECT id FROM surveys_answer)")
        later = response.submitted_at + timedelta(days=3)
        cursor.execute("UPDATE surveys_response SET submitted_at = %s WHERE id = %s", [later, response.pk])
    assert stored_rows(response) == expected_rows(response)
    assert stored_rows(response)[0] == (4, 3, 3, 1, 16)
    assert (
        ResponseSum.objects.get(response_id=response.pk, dimension_key=0).day
        == later.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    )
    Answer.objects.filter(response=response).exclude(pk=first.pk).delete()
    assert stored_rows(response) == {0: (1, 0, 0, 1, 1), **{k: v for k, v in expected_rows(response).items() if k}}
    assert response_sums_disagreeing() == []


def test_the_sums_cannot_be_written_to_disagree_with_the_answers(city, version):
    response = make_response(version, city.ward_a, [5, 4, 3])
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE surveys_responsesum SET satisfied = 0 WHERE response_id = %s", [response.pk])
    if connection.vendor == "postgresql":
        # PostgreSQL refuses every write that does not come from the triggers.
        for statement in (
            "DELETE FROM surveys_responsesum WHERE response_id = %s",
            (
                "INSERT INTO surveys_responsesum (response_id, dimension_key, unit_id, day, procedure_key, channel, "
                "excluded, answers, satisfied, not_dissatisfied, dissatisfied, sum_values) "
                "VALUES (%s, 999, 1, '2026-01-01', 0, 'kiosk', FALSE, 1, 1, 1, 0, 5)"
            ),
        ):
            with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cur:
                cur.execute(statement, [response.pk])
    assert response_sums_disagreeing([response.pk]) == []


def _forget_sums(ids=None):
    """A database from before the sums: their rows gone (as the triggers' own writer)."""
    where = "" if ids is None else " WHERE response_id IN (" + ",".join(map(str, ids)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('thuocdo.i15_sums_writer', 'on', true)")
        cursor.execute("DELETE FROM surveys_responsesum" + where)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('thuocdo.i15_sums_writer', 'off', true)")


def test_the_backfill_resumes_where_it_stopped_and_ends_in_agreement(city, version):
    responses = [make_response(version, city.ward_a, [1 + i % 5, 4, None]) for i in range(7)]
    _forget_sums()
    assert response_sums_missing() == [r.pk for r in responses]
    out = StringIO()
    call_command("backfill_response_sums", "--batch", "3", "--max-batches", "1", "--no-progress", stdout=out)
    assert "3 responses written in 1 batches, 4 left" in out.getvalue()
    # Half done: a new response meanwhile gets its sums from the database, the backfill the rest.
    late = make_response(version, city.ward_b, [5])
    assert response_sums_missing() == [r.pk for r in responses[3:]]
    out = StringIO()
    call_command("backfill_response_sums", "--batch", "3", "--check", stdout=out)
    assert "4 responses written in 2 batches, 0 left" in out.getvalue()
    assert "agree with its answers" in out.getvalue()
    assert all(stored_rows(r) == expected_rows(r) for r in [*responses, late])


def test_the_backfill_check_reports_sums_that_disagree(city, version):
    response = make_response(version, city.ward_a, [4, 4])
    _forget_sums([response.pk])
    assert response_sums_disagreeing() == [response.pk]
    response_sums_write([response.pk])
    assert response_sums_disagreeing() == []
