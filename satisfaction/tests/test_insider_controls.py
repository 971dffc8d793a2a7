"""Insider controls: receipt batches capped and audited, a shared address not locked out of valid
codes, private no-store on everything a signed-in person or a token receives."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from agencies.models import AuditEvent
from surveys.manage.services import api_token_create, receipts_issue_batch
from surveys.models import Receipt
from surveys.tests.factories import make_receipt, make_standard_survey

pytestmark = pytest.mark.django_db


def test_receipt_batches_are_audited_and_capped_per_unit_and_day(client, city, settings):
    settings.RECEIPT_BATCH_DAILY_CAP = 30
    settings.LANGUAGE_CODE = "en"
    receipts_issue_batch(unit=city.ward_a, count=20, user=city.bob)
    event = AuditEvent.objects.get(action="receipts_issue")
    assert (event.actor, event.unit, event.details["count"]) == (city.bob, city.ward_a, 20)
    client.force_login(city.bob)
    response = client.post("/manage/receipts/", {"unit": city.ward_a.pk, "count": 11})
    assert response.status_code == 400 and "at most 30 receipts a day" in response.content.decode()
    assert Receipt.objects.count() == 20
    with pytest.raises(CommandError, match="10 are left"):
        call_command("issue_receipts", "--unit", city.ward_a.code, "--count", "11")
    receipts_issue_batch(unit=city.ward_b, count=25)  # another unit has its own cap
    assert AuditEvent.objects.filter(action="receipts_issue").count() == 2


def test_api_receipts_do_not_count_against_the_printing_cap(city, settings):
    settings.RECEIPT_BATCH_DAILY_CAP = 5
    token, _key = api_token_create(unit=city.ward_a, name="x")
    for _ in range(6):
        make_receipt(city.ward_a)
    Receipt.objects.update(issued_by_token=token)  # as the API issues them: one per dossier
    assert len(receipts_issue_batch(unit=city.ward_a, count=5)) == 5


def test_a_citizen_behind_a_shared_address_gets_through_a_cool_down(city, settings):
    settings.CODE_TRICKLE_SECONDS = 1
    make_standard_survey(city.root)
    attacker, citizen = Client(REMOTE_ADDR="100.64.0.9"), Client(REMOTE_ADDR="100.64.0.9")
    statuses = [attacker.get("/r/2222-2222-22/").status_code for _ in range(12)]
    assert statuses[-1] == 429
    receipt = make_receipt(city.ward_a)
    time.sleep(1.1)
    assert citizen.get(f"/r/{receipt.display_code}/").status_code == 200
    assert attacker.get("/r/3333-3333-33/").status_code == 429  # the guess right after waits


@pytest.mark.parametrize("url", ["/dashboard/", "/units/00004/", "/units/00004/export/csv/", "/manage/moderation/"])
def test_signed_in_pages_and_exports_are_private_no_store(client, city, url):
    client.force_login(city.bob)
    response = client.get(url, follow=False)
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control, (url, response["Cache-Control"])


def test_api_answers_are_private_no_store_and_public_pages_are_not_forced(client, city):
    _, key = api_token_create(unit=city.ward_a, name="x")
    response = client.get("/api/v1/scores/", HTTP_AUTHORIZATION=f"Token {key}")
    assert "no-store" in response["Cache-Control"]
    assert "no-store" not in Client().get("/").get("Cache-Control", "")
