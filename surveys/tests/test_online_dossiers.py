"""Online dossiers and the respondent kind through the receipt API (issue 17)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from surveys.manage.services import api_token_create
from surveys.models import Receipt, Response
from surveys.tests.conftest import rating_post

pytestmark = [pytest.mark.django_db, pytest.mark.anydb]


@pytest.fixture
def key(city):
    return api_token_create(unit=city.ward_a, name="Dịch vụ công trực tuyến")[1]


def post(key, body):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.post("/api/v1/receipts/", body, format="json")


def test_an_online_dossier_filed_by_a_business_gets_a_receipt_that_says_so(city, key):
    response = post(key, {"unit": city.ward_a.code, "channel": "online", "respondent_kind": "organisation"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["respondent_kind"]) == ("online", "organisation")
    receipt = Receipt.objects.get()
    assert (receipt.channel, receipt.respondent_kind) == ("online", "organisation")


def test_without_channel_or_kind_the_receipt_is_a_counter_one_of_unknown_kind(city, key):
    body = post(key, {"unit": city.ward_a.code}).json()
    assert (body["channel"], body["respondent_kind"]) == ("counter", "")


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [("channel", "email", Receipt.Channel.values), ("respondent_kind", "company", ["individual", "organisation"])],
)
def test_an_unknown_channel_or_kind_is_refused_naming_the_allowed_values(city, key, field, value, allowed):
    response = post(key, {"unit": city.ward_a.code, field: value})
    assert response.status_code == 400
    message = response.json()[field][0]
    assert value in message and ", ".join(allowed) in message
    assert not Receipt.objects.exists()


def test_answers_to_an_online_dossier_count_under_the_online_channel_with_the_kind(client, city, key, standard):
    code = post(key, {"unit": city.ward_a.code, "channel": "online", "respondent_kind": "individual"}).json()["code"]
    assert client.post(f"/r/{code}/", rating_post(standard)).status_code == 302
    stored = Response.objects.get()
    assert (stored.channel, stored.respondent_kind) == ("online", "individual")


def test_answers_to_a_counter_receipt_keep_the_receipt_channel(client, city, key, standard):
    code = post(key, {"unit": city.ward_a.code, "respondent_kind": "organisation"}).json()["code"]
    assert client.post(f"/r/{code}/", rating_post(standard)).status_code == 302
    stored = Response.objects.get()
    assert (stored.channel, stored.respondent_kind) == ("receipt", "organisation")
