"""Retention (issue 15): archiving old raw answers changes no published score."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from reports import moderation, rollup
from reports.models import Score
from reports.tests.test_rollup_reference import local, random_responses
from surveys.models import Answer, AnswerArchive, ResponseSum
from surveys.response_sums import response_sums_disagreeing
from surveys.retention import answers_archive
from surveys.tests.factories import make_standard_survey

pytestmark = [pytest.mark.anydb, pytest.mark.django_db]
FIRST = date(2025, 5, 1)

FIGURES = ("responses", "answers", "satisfied", "sum_x2", "index_sipas", "ci_low_sipas", "index_766", "ci_high_766")


def scores() -> dict:
    return {
        (s.unit_id, s.scope, s.dimension_id, s.procedure_id, s.period_type, s.period_start): tuple(
            getattr(s, f) for f in FIGURES
        )
        for s in Score.objects.all()
    }


def test_archiving_old_answers_changes_no_score(city):
    version = make_standard_survey(city.root)
    made = random_responses(city, version, random.Random(7), 40, [None], FIRST, 20)
    rollup.rollup_run(mode="full")
    published = scores()
    sums_before = sorted(ResponseSum.objects.values_list("response_id", "dimension_key", "answers", "sum_values"))
    cut = local(FIRST + timedelta(days=10))
    old = [r for r in made if r.submitted_at < cut]
    assert old and len(old) < len(made)

    archived = answers_archive(before=cut, batch=7)

    assert archived == len(old)
    assert not Answer.objects.filter(response__in=old).exists()
    assert AnswerArchive.objects.count() == len(old)
    assert (
        sorted(ResponseSum.objects.values_list("response_id", "dimension_key", "answers", "sum_values")) == sums_before
    )
    assert response_sums_disagreeing() == []
    rollup.rollup_run(mode="incremental")  # the deletions marked their keys
    assert scores() == published
    rollup.rollup_run(mode="full")
    assert scores() == published
    # Moderation still moves an archived response: its sums follow, its counts stay.
    moderation.response_exclude(response_id=old[0].pk, user=city.dana, reason="spam", queue=False)
    assert set(ResponseSum.objects.filter(response_id=old[0].pk).values_list("excluded", flat=True)) == {True}
    assert ResponseSum.objects.get(response_id=old[0].pk, dimension_key=0).answers > 0
    assert answers_archive(before=cut) == 0  # nothing left to archive: resumable, idempotent


def test_the_archive_command_takes_a_local_date_and_refuses_a_bad_one(city):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    version = make_standard_survey(city.root)
    made = random_responses(city, version, random.Random(3), 6, [None], FIRST, 4)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("archive_answers", "--before", "31/12/2025")
    out = StringIO()
    call_command("archive_answers", "--before", (FIRST + timedelta(days=30)).isoformat(), stdout=out)
    assert f"the answers of {len(made)} responses" in out.getvalue()
    assert AnswerArchive.objects.count() == len(made)
