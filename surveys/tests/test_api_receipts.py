"""POST /api/v1/receipts/: token per unit subtree, dossier once, clear 4xx for bad input."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from agencies.tests.factories import make_procedure, make_service_point
from surveys.manage.services import api_token_create, api_token_revoke
from surveys.models import Receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(city):
    return api_token_create(unit=city.ward_a, name="Một cửa Ba Đình")


def api(key=None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_issues_a_receipt_for_its_subtree(city, token, settings):
    settings.SITE_URL = "https://td.example.vn"
    _, key = token
    procedure = make_procedure(code="1.001193")
    point = make_service_point(city.centre_a)
    response = api(key).post(
        "/api/v1/receipts/",
        {"unit": city.centre_a.code, "procedure": "1.001193", "service_point": point.code},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    receipt = Receipt.objects.get()
    assert body["code"] == receipt.display_code
    assert body["url"] == f"https://td.example.vn/r/{receipt.display_code}/"
    assert body["qr_svg"].endswith(".svg") and body["qr_png"].endswith(".png")
    assert body["expires_at"]
    assert receipt.procedure == procedure and receipt.service_point == point
    assert receipt.issued_by_token == token[0]


def test_same_dossier_returns_the_existing_receipt(city, token):
    _, key = token
    body = {"unit": city.ward_a.code, "dossier": "000.00.23.H26-251125-0007"}
    first = api(key).post("/api/v1/receipts/", body, format="json")
    second = api(key).post("/api/v1/receipts/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["code"] == second.json()["code"]
    assert Receipt.objects.count() == 1
    assert "251125" not in Receipt.objects.get().dossier_hash


def test_qr_images_are_served_as_svg_and_png(client, city, token):
    _, key = token
    body = api(key).post("/api/v1/receipts/", {"unit": city.ward_a.code}, format="json").json()
    svg = client.get(body["qr_svg"].replace("http://127.0.0.1:8000", ""))
    png = client.get(body["qr_png"].replace("http://127.0.0.1:8000", ""))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_token_may_not_issue_for_another_unit(city, token):
    _, key = token
    response = api(key).post("/api/v1/receipts/", {"unit": city.ward_b.code}, format="json")
    assert response.status_code == 403
    assert "00004" in response.json()["detail"]
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    "body,field,status",
    [
        ({"unit": "NOPE"}, "unit", 404),
        ({}, "unit", 400),
        ({"unit": "00004", "procedure": "9.99"}, "procedure", 404),
        ({"unit": "00004", "service_point": "ZZ"}, "service_point", 404),
        ({"unit": "00004", "dossier": "x" * 201}, "dossier", 400),
        ({"unit": "NOPE", "dossier": "x" * 201}, "dossier", 400),  # malformed wins over unknown
    ],
)
def test_bad_bodies_get_400_or_404_naming_the_field(city, token, body, field, status):
    """Malformed bodies are a 400; well-formed ones naming a code that does not exist a 404 (the
    schema cannot say which codes exist, so a schema-valid body is never a 400)."""
    _, key = token
    response = api(key).post("/api/v1/receipts/", body, format="json")
    assert response.status_code == status
    assert field in response.json()
    assert not Receipt.objects.exists()


def test_wrong_content_type_gets_415(city, token):
    _, key = token
    response = api(key).post("/api/v1/receipts/", "unit=00004", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    response = api(key).post("/api/v1/receipts/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Receipt.objects.exists()


def test_missing_wrong_or_revoked_token_gets_401(city, token):
    tok, key = token
    assert api().post("/api/v1/receipts/", {"unit": "00004"}, format="json").status_code == 401
    assert api("td_wrong").post("/api/v1/receipts/", {"unit": "00004"}, format="json").status_code == 401
    api_token_revoke(token=tok)
    assert api(key).post("/api/v1/receipts/", {"unit": "00004"}, format="json").status_code == 401
    assert not Receipt.objects.exists()


def test_token_is_stored_only_as_a_hash(city, token):
    tok, key = token
    tok.refresh_from_db()
    assert key not in json.dumps([tok.key_hash, tok.prefix, tok.name])
    assert key.startswith(tok.prefix)


def test_openapi_schema_documents_the_receipt_endpoint(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/receipts/" in text and "ApiToken" in text
    assert client.get("/api/v1/docs/").status_code == 200
