"""The unit dashboard: figures of both methods, "not enough answers", drill-down, comments, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.tests.factories import make_procedure
from reports.models import PeriodType, Scope
from reports.periods import Period
from reports.tests.factories import make_score, make_unit_scores
from surveys.standard import ensure_dimensions
from surveys.tests.factories import make_response, make_standard_survey

OCT = date(2025, 10, 1)


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


@pytest.mark.django_db
def test_dashboard_redirects_staff_to_their_unit(client, city):
    client.force_login(city.alice)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:unit", kwargs={"code": city.ward_a.code})


@pytest.mark.django_db
def test_dashboard_redirects_administrator_to_the_root(client, city):
    client.force_login(city.dana)
    assert client.get("/dashboard/")["Location"] == "/units/01/"


@pytest.mark.django_db
def test_dashboard_without_membership_says_so(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    from agencies.tests.factories import make_user

    client.force_login(make_user("nobody"))
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "no role in any unit" in response.content.decode()


@pytest.mark.django_db
def test_unit_page_shows_both_methods_with_interval_and_responses(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=OCT, index=87.3, responses=64, index_766=95.1, change=4.2, significant=True)
    response = _get(client, city.alice, "/units/00004/", period="2025-10")
    html = response.content.decode()
    assert response.status_code == 200
    assert "87.3" in html and "95.1" in html  # SIPAS and Decision 766, each labelled
    assert "SIPAS" in html and "Decision 766" in html
    assert "84.3–90.3" in html  # the 95% interval of the SIPAS index
    assert ">64<" in html  # number of responses
    assert "▲ 4.2" in html  # significant change marked


@pytest.mark.django_db
def test_insignificant_change_is_not_marked(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=OCT, index=80.0, change=-3.0, significant=False)
    html = _get(client, city.alice, "/units/00004/", period="2025-10").content.decode()
    assert "▼ -3.0" not in html and "▼ −3.0" not in html
    assert "-3.0 points, not significant" in html


@pytest.mark.django_db
def test_too_few_answers_show_not_enough_instead_of_a_number(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=OCT, index=97.7, responses=12)
    html = _get(client, city.alice, "/units/00004/", period="2025-10").content.decode()
    assert "Not enough answers" in html
    assert "97.7" not in html
    assert "12 responses; at least 30 are needed" in html


@pytest.mark.django_db
def test_default_period_is_the_latest_month_with_scores(client, city):
    make_unit_scores(city.ward_a, start=date(2025, 9, 1), index=70.0)
    make_unit_scores(city.ward_a, start=OCT, index=91.2)
    html = _get(client, city.alice, "/units/00004/").content.decode()
    assert "91,2" in html or "91.2" in html


@pytest.mark.django_db
def test_the_month_still_filling_up_is_not_the_default(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    current = Period.containing("month", timezone.localdate())
    make_score(city.ward_a, start=current.previous().start, index=83.1)
    make_score(city.ward_a, start=current.start, index=55.5, responses=4)
    html = _get(client, city.alice, "/units/00004/").content.decode()
    assert "83.1" in html and current.previous().label in html


@pytest.mark.django_db
def test_quarter_and_year_periods_read_their_own_rows(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    make_score(city.ward_a, start=date(2025, 7, 1), period_type=PeriodType.QUARTER, index=82.4)
    make_score(city.ward_a, start=date(2025, 1, 1), period_type=PeriodType.YEAR, index=79.9)
    assert "82.4" in _get(client, city.alice, "/units/00004/", period="2025-Q3").content.decode()
    assert "79.9" in _get(client, city.alice, "/units/00004/", period="2025").content.decode()


@pytest.mark.django_db
def test_own_scope_reads_own_rows(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    make_score(city.ward_a, start=OCT, index=81.1)
    make_score(city.ward_a, start=OCT, index=77.7, scope=Scope.OWN)
    assert "77.7" in _get(client, city.alice, "/units/00004/", period="2025-10", scope="own").content.decode()


@pytest.mark.django_db
def test_parent_unit_lists_sub_units_with_drill_down_links(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    make_score(city.ward_a, start=OCT, index=88.8)
    make_score(city.ward_b, start=OCT, index=66.6, responses=5)
    html = _get(client, city.dana, "/units/01/", period="2025-10").content.decode()
    assert 'href="/units/00004/?' in html and 'href="/units/00008/?' in html
    assert "88.8" in html
    assert "66.6" not in html  # too few answers


@pytest.mark.django_db
def test_breadcrumb_links_only_to_units_the_user_may_see(client, city):
    html = _get(client, city.alice, "/units/00004-BPMC/").content.decode()
    assert 'href="/units/00004/?' in html
    assert 'href="/units/01/?' not in html
    assert "Thành phố Hà Nội" in html


@pytest.mark.django_db
def test_trend_and_procedure_table_are_on_the_page(client, city, settings):
    settings.LANGUAGE_CODE = "en"
    procedure = make_procedure(code="1.001612")
    for month in range(1, 11):
        make_score(city.ward_a, start=date(2025, month, 1), index=70 + month)
        make_score(city.root, start=date(2025, month, 1), index=60 + month)
    make_score(city.ward_a, start=OCT, index=83.3, procedure=procedure)
    response = _get(client, city.alice, "/units/00004/", period="2025-10")
    html = response.content.decode()
    assert "1.001612" in html and "83.3" in html
    chart = response.context["chart"]
    assert chart["trend"]["labels"][-1] == "2025-10"
    assert len(chart["trend"]["labels"]) == 24
    assert chart["trend"]["unit"][-1] == 80 and chart["trend"]["city"][-1] == 70
    assert 'id="chart-data" type="application/json"' in html
    assert "<script>" not in html  # no inline script: charts.js reads the JSON


@pytest.mark.django_db
def test_comments_are_filtered_by_dimension_and_rating_and_exclude_excluded(client, city):
    version = make_standard_survey(city.root)
    ensure_dimensions()
    low = [1] * 16
    make_response(version, city.ward_a, low, comment="Chờ quá lâu, số điện thoại ***")
    make_response(version, city.ward_a, [5] * 16, comment="Cán bộ nhiệt tình")
    hidden = make_response(version, city.ward_a, [5] * 16, comment="spam spam")
    hidden.excluded = True
    hidden.save()
    make_response(version, city.ward_b, [5] * 16, comment="Phường khác")
    html = _get(client, city.alice, "/units/00004/").content.decode()
    assert "Chờ quá lâu" in html and "Cán bộ nhiệt tình" in html
    assert "spam spam" not in html and "Phường khác" not in html
    html = _get(client, city.alice, "/units/00004/", dimension="civil_servants", rating="1").content.decode()
    assert "Chờ quá lâu" in html and "Cán bộ nhiệt tình" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"period": "2025-13"},
        {"period": "abc"},
        {"period": "2999-01"},
        {"scope": "everything"},
        {"method": "x"},
        {"dimension": "nope"},
        {"rating": "9"},
        {"rating": "<script>"},
        {"page": "zz"},
    ],
)
def test_malformed_filters_give_a_form_error_not_a_500(client, city, params):
    response = _get(client, city.alice, "/units/00004/", **params)
    assert response.status_code in (200, 400)
    if "page" not in params:
        assert response.status_code == 400
        assert "invalid-feedback" in response.content.decode()


@pytest.mark.django_db
def test_unknown_unit_is_404(client, city):
    assert _get(client, city.alice, "/units/NOPE/").status_code == 404


def test_period_keys_round_trip_and_reject_nonsense():
    assert Period.parse("2025-10").key == "2025-10"
    assert Period.parse("2025-q3").start == date(2025, 7, 1)
    assert Period.parse("2025").end == date(2025, 12, 31)
    assert Period.parse("2025-Q1").previous().key == "2024-Q4"
    assert Period.parse("2025-01").previous().key == "2024-12"
    for bad in ("2025-00", "2025-Q5", "25-10", "", None, "2025-10-01", "1800"):
        assert Period.parse(bad) is None
