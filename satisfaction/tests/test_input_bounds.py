"""Input bounds: NUL bytes, dates outside 2000–2100, deep or large JSON and over-long texts are a
clear 400 or a form error — never a 500 — on SQLite and (marked anydb) on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from surveys.authoring.forms import QuestionForm, ScheduleForm, VersionForm
from surveys.manage.services import api_token_create
from surveys.models import SurveyVersion
from surveys.tests.factories import make_standard_survey

pytestmark = [pytest.mark.anydb, pytest.mark.django_db]

NUL_URLS = [
    "/k/%00/",
    "/r/%00/",
    "/open-data/%00/2025-10/",
    "/open-data/01/%00/csv/",
    "/?code=%00",
    "/units/00004/?period=2025-10%00",
    "/api/v1/scores/?unit=%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_path_or_query_is_a_400_for_everyone(client, city, url):
    client.force_login(city.dana)
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)


def test_nul_in_a_form_body_is_a_400_and_stores_nothing(client, city):
    response = client.post("/", {"code": "ABC\x00DEF"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_nul_in_a_json_body_is_a_400_with_the_api_error_body(client, city):
    _, key = api_token_create(unit=city.ward_a, name="x")
    response = client.post(
        "/api/v1/receipts/",
        json.dumps({"unit": "00004", "dossier": "A\u0000B"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 400 and "detail" in response.json()


def test_deep_and_large_json_are_400(client, city, settings):
    _, key = api_token_create(unit=city.ward_a, name="x")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    deep = "[" * 100000 + "]" * 100000
    response = client.post("/api/v1/receipts/", deep, content_type="application/json", **auth)
    assert response.status_code == 400 and "detail" in response.json()
    nested = json.dumps({"unit": "00004", "x": [[[[[[[[[[1]]]]]]]]]]})
    response = client.post("/api/v1/receipts/", nested, content_type="application/json", **auth)
    assert response.status_code == 400
    big = json.dumps({"unit": "00004", "dossier": "x" * (settings.API_MAX_BODY_BYTES + 10)})
    response = client.post("/api/v1/receipts/", big, content_type="application/json", **auth)
    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.parametrize("query", [{"until": ""}, {"since": ""}, {"since": "0001-01-01"}, {"until": "2101-01-01"}])
def test_score_api_refuses_empty_and_out_of_range_dates(client, city, query):
    _, key = api_token_create(unit=city.ward_a, name="x")
    response = client.get("/api/v1/scores/", query, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 400, response.content
    assert set(response.json()) == set(query)


def test_survey_window_outside_2000_2100_is_a_form_error(city):
    for value in ("0001-01-01 00:00", "1999-12-31 23:00", "2101-01-01 00:00"):
        form = ScheduleForm(data={"opens_at": value})
        assert not form.is_valid() and "opens_at" in form.errors, value
    assert ScheduleForm(data={"opens_at": "2026-01-01 08:00"}).is_valid()


def test_database_refuses_a_year_one_window_and_an_overlong_introduction(city):
    version = make_standard_survey(city.root)
    from datetime import UTC, datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).update(opens_at=datetime(1, 1, 1, 1, tzinfo=UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).update(intro_vi="x" * 4001)


def test_overlong_introduction_and_choice_are_form_errors(city):
    form = VersionForm(data={"revision": 0, "title_vi": "Khảo sát", "intro_vi": "x" * 4001})
    assert not form.is_valid() and "intro_vi" in form.errors
    form = QuestionForm(data={"revision": 0, "kind": "single", "text_vi": "Chọn", "choices_vi": "a\n" + "b" * 201})
    assert not form.is_valid() and "choices_vi" in form.errors


def test_audit_log_explains_a_year_one_filter(client, city):
    client.force_login(city.dana)
    response = client.get("/manage/audit/", {"since": "0001-01-01", "until": "9999-12-31"})
    assert response.status_code == 400 and "2000" in response.content.decode()  # a message, not a 500


def test_rollup_command_refuses_dates_outside_the_range(city):
    with pytest.raises(CommandError, match="2000"):
        call_command("rollup", "--since", "0001-01-01")
