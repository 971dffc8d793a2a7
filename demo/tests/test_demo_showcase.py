"""seed_demo leaves something real on every page a newcomer opens: published open data for the
last complete quarter, fresh comments to moderate, review flags, and a survey draft."""

from __future__ import annotations

import csv
import io
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone, translation

from demo.catalogue import DEMO_WARD
from demo.showcase import CLIENT_BURST, FRESH_COMMENTS, KIOSK_BURST, last_complete_quarter
from reports.models import OpenDataPublication, ReviewFlag
from surveys.models import Response, SurveyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def passwords_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def seed(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--responses", "3000", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("today", "key"),
    [(date(2026, 11, 28), "2026-Q3"), (date(2026, 1, 1), "2025-Q4"), (date(2026, 3, 31), "2025-Q4")],
)
def test_last_complete_quarter(today, key):
    assert last_complete_quarter(today).key == key


def test_the_demo_publishes_the_last_complete_quarter_as_open_data(client):
    out = seed()
    period = last_complete_quarter(timezone.localdate())
    publication = OpenDataPublication.objects.get(unit__code="01")
    assert publication.status == OpenDataPublication.Status.PUBLISHED
    assert (publication.period_type, publication.period_start) == (period.type, period.start)
    assert f"ranking of {period.key} is published" in out

    listing = client.get("/open-data/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"/open-data/01/{period.key}/" in listing.content.decode()
    page = client.get(f"/open-data/01/{period.key}/")
    assert page.status_code == 200
    ranked = [row for row in publication.rows if row["rank"]]
    assert ranked, "the quarter's ranking has ranked units"
    assert ranked[0]["name_vi"] in page.content.decode()
    response = client.get(f"/open-data/01/{period.key}/csv/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + len(publication.rows)


def test_the_demo_leaves_fresh_comments_flags_and_a_draft_for_the_staff_pages(client):
    seed()
    fresh = Response.objects.filter(unit__code=DEMO_WARD).exclude(comment="").order_by("-submitted_at")
    newest = list(fresh.values_list("comment", flat=True)[: len(FRESH_COMMENTS)])
    plain = [c for _language, _rating, c in FRESH_COMMENTS if "0912" not in c]
    assert set(plain) <= set(newest)
    assert not any("0912 345 678" in c for c in newest)  # masked by the submit service
    assert any(c.startswith("Chờ hơn một tiếng") for c in newest)

    flags = ReviewFlag.objects.filter(unit__code=DEMO_WARD, status=ReviewFlag.Status.OPEN)
    assert set(flags.values_list("kind", "count")) == {
        (ReviewFlag.Kind.BURST_CLIENT, CLIENT_BURST),
        (ReviewFlag.Kind.BURST_KIOSK, KIOSK_BURST),
        (ReviewFlag.Kind.IDENTICAL, KIOSK_BURST),
    }
    # Flagged answers keep counting until a person decides.
    assert not Response.objects.filter(review_flags__in=flags, excluded=True).exists()

    drafts = SurveyVersion.objects.filter(survey__owner__code=DEMO_WARD, status=SurveyVersion.Status.DRAFT)
    assert drafts.count() == 1

    client.force_login(get_user_model().objects.get(username="manager.badinh"))
    page = client.get("/manage/moderation/?comment=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nên có thêm ghế ở phòng chờ" in page
    assert page.count("/manage/moderation/flags/") >= 3
    assert drafts.get().title_vi in client.get("/manage/surveys/").content.decode()


@pytest.mark.anydb  # PostgreSQL checks the foreign keys at once: flags and events must go before responses
def test_reset_removes_and_rebuilds_the_showcase(transactional_db):
    """Committed for real (transactional_db), so the database checks every foreign key."""
    from reports.moderation import response_exclude

    seed()
    # A moderator's decision points at a response too; the wipe must not trip over it.
    admin = get_user_model().objects.get(username="admin.hanoi")
    response_exclude(response_id=Response.objects.filter(unit__code=DEMO_WARD).first().pk, user=admin, reason="spam")
    seed("--reset")
    assert OpenDataPublication.objects.filter(status=OpenDataPublication.Status.PUBLISHED).count() == 1
    assert ReviewFlag.objects.filter(status=ReviewFlag.Status.OPEN).count() == 3
    assert SurveyVersion.objects.filter(survey__owner__code=DEMO_WARD).count() == 1


def test_no_showcase_and_an_empty_city_leave_it_out():
    seed("--no-showcase")
    assert not OpenDataPublication.objects.exists() and not ReviewFlag.objects.filter(status="open").exists()
