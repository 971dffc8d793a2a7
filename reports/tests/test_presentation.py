"""The presentation standard (reports.presentation): one rule decides whether a figure is shown,
shown with a warning, or hidden, and every output — dashboard, compare, exports, API, open data —
applies it and says why."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone, translation

from reports import presentation, rollup
from reports.models import Score
from surveys.tests.factories import make_response, make_standard_survey


def judge(**kwargs):
    base = {"responses": 100, "index": 80.0, "low": 75.0, "high": 85.0, "n_eff": 400.0, "min_responses": 30}
    return presentation.judge(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "status", "reason"),
    [
        ({}, "reliable", ""),
        ({"responses": 29}, "suppressed", "too_few_responses"),
        ({"n_eff": 29.5}, "suppressed", "small_effective_size"),
        ({"low": 50.0, "high": 80.0}, "suppressed", "wide_interval"),
        ({"index": 4.0, "low": 0.5, "high": 10.5}, "suppressed", "wide_relative_interval"),
        ({"index": 4.0, "low": 1.0, "high": 6.0}, "reliable", ""),  # 5 points wide: the floor
        ({"low": 65.0, "high": 86.0}, "warning", "warning_width"),
        ({"index": 100.0, "low": 95.5, "high": 100.0}, "warning", "warning_extreme"),
        ({"index": None, "low": None, "high": None, "n_eff": None, "responses": 1}, "suppressed", "too_few_responses"),
    ],
)
def test_the_rule_at_each_threshold(kwargs, status, reason):
    verdict = judge(**kwargs)
    assert (verdict.status, verdict.reason) == (status, reason)
    assert verdict.shown == (status != "suppressed")
    assert bool(str(verdict.detail)) == bool(reason)


def test_the_reason_is_said_in_the_users_language():
    with translation.override("vi"):
        vi = str(judge(responses=12).detail)
    with translation.override("en"):
        en = str(judge(responses=12).detail)
    assert en == "Not enough answers: 12 responses, fewer than 30"
    assert vi != en and "12" in vi and "30" in vi


def _local(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10), timezone.get_default_timezone())


@pytest.fixture
def clustered(city):
    """Ward A, June: 40 responses that agree within each response and split half and half: 400
    answers, but only 39 answers' worth of information (n_eff)."""
    version = make_standard_survey(city.root)
    for i in range(40):
        make_response(version, city.ward_a, [5] * 10 if i % 2 else [1] * 10, submitted_at=_local(date(2025, 6, 2)))
    rollup.rollup_run(mode="full")
    return Score.objects.in_scope("own").get(unit=city.ward_a, period_type="month", dimension=None, procedure=None)


@pytest.mark.django_db
def test_readme_example_of_clustered_answers(clustered):
    """README, Presentation standard: 40 responses × 10 answers, half all-satisfied, half not."""
    assert clustered.index_sipas == 50.0
    assert clustered.n_eff_sipas == pytest.approx(39.0)  # 0.25 / (40/39 · 1000 / 400²)
    assert (round(clustered.ci_low_sipas, 2), round(clustered.ci_high_sipas, 2)) == (33.59, 66.41)
    verdict = presentation.judge_row(clustered, "sipas", 30)
    assert (verdict.status, verdict.reason) == ("suppressed", "wide_interval")


@pytest.mark.django_db
def test_the_api_hides_what_the_rule_hides_says_why_and_names_the_method(clustered, client, city):
    assert clustered.responses == 40 and clustered.enough_responses
    client.force_login(city.dana)
    body = client.get(
        "/api/v1/scores/", {"unit": city.ward_a.code, "period": "2025-06", "scope": "own"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    row = body["results"][0]
    assert row["sipas"]["presentation"] == "suppressed"
    assert row["sipas"]["index"] is None and row["sipas"]["ci_low"] is None
    with translation.override("vi"):  # the portal's language
        assert row["sipas"]["reason"] == translation.gettext("Hidden: the 95% interval is 30 points wide or more")
    assert row["sipas"]["n_eff"] == pytest.approx(clustered.n_eff_sipas)
    assert row["method"]["interval"] == "korn-graubard"
    assert row["method"]["min_responses"] == 30 and row["method"]["version"] == rollup.METHOD_VERSION


@pytest.mark.django_db
def test_exports_carry_the_verdict_its_reason_and_the_method(clustered, client, city):
    client.force_login(city.dana)
    page = client.get(
        f"/units/{city.ward_a.code}/export/csv/", {"period": "2025-06", "scope": "own"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    text = b"".join(page.streaming_content).decode("utf-8-sig")
    head = text.splitlines()[0]
    assert head.count(",") > 10
    with translation.override("vi"):  # the portal's language
        for label in ("Presentation (SIPAS)", "Why hidden or uncertain", "Method", "Korn–Graubard 95% interval"):
            assert translation.gettext(label) in text, label


@pytest.mark.django_db
def test_the_dashboard_names_the_method_of_its_figures(clustered, client, city):
    client.force_login(city.dana)
    html = client.get(f"/units/{city.ward_a.code}/", {"period": "2025-06"}).content.decode()
    with translation.override("vi"):
        assert 'data-testid="scores-method"' in html and translation.gettext("Korn–Graubard 95% interval") in html
