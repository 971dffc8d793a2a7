"""Score API: filters, method labels, token scoped to the token's subtree, 400 on malformed filters."""

from __future__ import annotations

from datetime import date

import pytest

from reports.tests.factories import make_score, make_unit_scores
from surveys.manage.services import api_token_create, api_token_revoke

OCT = date(2025, 10, 1)


@pytest.fixture
def scored(city):
    make_unit_scores(city.root, start=OCT, index=84.0)
    make_unit_scores(city.ward_a, start=OCT, index=90.0)
    make_unit_scores(city.centre_a, start=OCT, index=88.0)
    make_unit_scores(city.ward_b, start=OCT, index=80.0, responses=12)
    make_score(city.ward_a, start=date(2025, 9, 1), index=70.0)
    return city


def _token(unit):
    return api_token_create(unit=unit, name="BI")[1]


@pytest.mark.django_db
def test_token_sees_only_its_subtree(client, scored):
    key = _token(scored.ward_a)
    body = client.get("/api/v1/scores/", {"period": "2025-10"}, HTTP_AUTHORIZATION=f"Token {key}").json()
    assert sorted(r["unit"] for r in body["results"]) == ["00004", "00004-BPMC"]
    assert client.get("/api/v1/scores/", {"unit": "00008"}, HTTP_AUTHORIZATION=f"Token {key}").status_code == 404
    assert client.get("/api/v1/scores/", {"unit": "01"}, HTTP_AUTHORIZATION=f"Token {key}").status_code == 404


@pytest.mark.django_db
def test_figures_name_their_method_and_hide_indexes_without_enough_answers(client, scored):
    key = _token(scored.root)
    body = client.get(
        "/api/v1/scores/", {"unit": "00004", "period": "2025-10"}, HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()
    (row,) = body["results"]
    assert row["period"] == "2025-10" and row["period_end"] == "2025-10-31" and row["dimension"] is None
    assert row["sipas"]["index"] == 90.0 and row["sipas"]["ci_low"] == 87.0
    assert row["decision_766"]["index"] == 98.0
    few = client.get(
        "/api/v1/scores/", {"unit": "00008", "period": "2025-10", "method": "sipas"}, HTTP_AUTHORIZATION=f"Token {key}"
    ).json()["results"][0]
    assert few["enough_responses"] is False and few["sipas"]["index"] is None and few["decision_766"] is None


@pytest.mark.django_db
def test_filters_by_dimension_subtree_and_dates(client, scored):
    key = _token(scored.root)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    dims = client.get("/api/v1/scores/", {"unit": "00004", "period": "2025-10", "dimension": "all"}, **auth).json()
    assert dims["count"] == 6
    access = client.get("/api/v1/scores/", {"unit": "00004", "dimension": "access"}, **auth).json()
    assert [r["dimension"] for r in access["results"]] == ["access"]
    tree = client.get("/api/v1/scores/", {"unit": "00004", "subtree": "true", "period": "2025-10"}, **auth).json()
    assert tree["count"] == 2
    months = client.get(
        "/api/v1/scores/", {"unit": "00004", "since": "2025-09-01", "until": "2025-09-30"}, **auth
    ).json()
    assert [r["period"] for r in months["results"]] == ["2025-09"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"period": "2025-13"},
        {"period_type": "week"},
        {"method": "x"},
        {"dimension": "no pe"},
        {"procedure": "<x>"},
        {"since": "yesterday"},
        {"until": ""},
        {"limit": "x"},
    ],
)
def test_malformed_filters_are_400(client, scored, params):
    key = _token(scored.root)
    response = client.get("/api/v1/scores/", params, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code in (200, 400)
    if "limit" not in params:
        assert response.status_code == 400


@pytest.mark.django_db
def test_unknown_codes_are_404_naming_the_field_and_an_empty_date_range_is_empty(client, scored):
    """A well-formed filter the schema accepts is never a 400 (issue 19, the API contract)."""
    auth = {"HTTP_AUTHORIZATION": f"Token {_token(scored.root)}"}
    for field in ("dimension", "procedure", "unit"):
        response = client.get("/api/v1/scores/", {field: "nope"}, **auth)
        assert response.status_code == 404 and field in response.json(), field
    empty = client.get("/api/v1/scores/", {"since": "2025-10-01", "until": "2025-01-01"}, **auth)
    assert empty.status_code == 200 and empty.json()["count"] == 0


@pytest.mark.django_db
def test_anonymous_revoked_and_signed_in_access(client, scored):
    assert client.get("/api/v1/scores/").status_code in (401, 403)
    token, key = api_token_create(unit=scored.root, name="old")
    api_token_revoke(token=token)
    assert client.get("/api/v1/scores/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    client.force_login(scored.charlie)
    body = client.get("/api/v1/scores/", {"period": "2025-10"}).json()
    assert [r["unit"] for r in body["results"]] == ["00008"]


@pytest.mark.django_db
def test_scores_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/scores/" in schema and "decision_766" in schema
