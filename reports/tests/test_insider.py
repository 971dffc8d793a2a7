"""The insider: a manager who served a citizen knows the dossier, the procedure, the channel and the
hour. Through every staff page, export and API they can reach, they must not narrow the answers
down to fewer than k responses (docs/privacy.md, reports.anonymity)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from agencies.tests.factories import make_procedure
from reports import anonymity, rollup
from surveys.models import Receipt
from surveys.services import api_token_create
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = pytest.mark.anydb  # on SQLite and again on PostgreSQL (pytest --postgres)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = "14/10/2026"
DOSSIER = "000.00.23.H26-261014-0042"
TARGET_COMMENT = "Chờ lâu quá, cán bộ không hướng dẫn"


@pytest.fixture
def served(city, settings):
    """Ward A on 14/10/2026: seven answers; the insider's citizen is the only one of procedure P
    and the only one by receipt, at 14:37, rating everything 1."""
    settings.LANGUAGE_CODE = "en"
    settings.ANONYMITY_K = 5
    version = make_standard_survey(city.root)
    p = make_procedure(code="1.000001", name_vi="Cấp bản sao trích lục hộ tịch")
    q = make_procedure(code="1.000002", name_vi="Chứng thực chữ ký")
    p.name_en, q.name_en = "Copy of a civil status extract", "Signature certification"
    p.save(), q.save()
    _, key = api_token_create(unit=city.ward_a, name="Một cửa")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    issued = api.post(
        "/api/v1/receipts/", {"unit": city.ward_a.code, "procedure": p.code, "dossier": DOSSIER}, format="json"
    )
    assert issued.status_code == 201
    receipt = Receipt.objects.get()
    at = datetime(2026, 10, 14, 14, 37, tzinfo=HANOI)
    receipt.used_at = at
    receipt.save(update_fields=["used_at"])
    target = make_response(
        version, city.ward_a, [1] * 16, receipt=receipt, procedure=p, submitted_at=at, comment=TARGET_COMMENT
    )
    for i, hour in enumerate((8, 9, 10, 11, 15, 16)):
        make_response(
            version,
            city.ward_a,
            [5, 4] * 8,
            procedure=q,
            submitted_at=datetime(2026, 10, 14, hour, 5 + i, tzinfo=HANOI),
            comment=f"Nhanh gọn, cảm ơn {i}",
        )
    rollup.rollup_run(mode="full")
    city.api, city.first_issue, city.target, city.p = api, issued.json(), target, p
    return city


def _consistent(text: str, insider) -> bool:
    """Could this row (its visible text) be the insider's citizen? Only if nothing on it contradicts
    what the insider knows: the day, the hour (14:xx), the procedure, the channel."""
    for d in re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text):
        if d != DAY:
            return False
    for hh, _mm in re.findall(r"\b(\d{2}):(\d{2})\b", text):
        if hh != "14":
            return False
    return not ("Signature certification" in text or re.search(r"\bkiosk\b", text, flags=re.IGNORECASE))


def _rows(html: str, pattern: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", row) for row in re.findall(pattern, html, flags=re.DOTALL)]


def _narrowed_to(rows: list[str], insider) -> int:
    return sum(1 for row in rows if _consistent(row, insider))


@pytest.mark.django_db
def test_receipts_api_never_echoes_whether_or_when_a_receipt_was_used(served):
    again = served.api.post(
        "/api/v1/receipts/", {"unit": served.ward_a.code, "procedure": served.p.code, "dossier": DOSSIER}, format="json"
    )
    assert again.status_code == 200
    assert "used_at" not in again.json()
    assert again.json() == served.first_issue  # the same answer as before the citizen answered


@pytest.mark.django_db
def test_dashboard_comments_do_not_narrow_below_k(client, served):
    client.force_login(served.bob)
    html = client.get(f"/units/{served.ward_a.code}/").content.decode()
    comments = html[html.index('id="comments"') :]
    rows = _rows(comments, r"<li class=\"border-bottom py-2\">(.*?)</li>")
    assert len(rows) == 7
    assert _narrowed_to(rows, served) >= anonymity.k()
    assert "14:37" not in comments and "Copy of a civil status extract" not in comments


@pytest.mark.django_db
def test_moderation_list_and_details_do_not_narrow_below_k(client, served):
    client.force_login(served.bob)
    html = client.get("/manage/moderation/").content.decode()
    rows = _rows(html, r"<tr><td><a href=\"/manage/moderation/[0-9a-f]{16}/\">(.*?)</tr>")
    assert len(rows) == 7
    assert _narrowed_to(rows, served) >= anonymity.k()
    links = re.findall(r"/manage/moderation/([0-9a-f]{16})/", html)
    headers = []
    for ref in links:
        detail = client.get(f"/manage/moderation/{ref}/").content.decode()
        headers.append(re.sub(r"<[^>]+>", " ", detail[detail.index("<h1") : detail.index("<h2")]))
    assert _narrowed_to(headers, served) >= anonymity.k()


@pytest.mark.django_db
def test_moderation_order_within_a_month_is_not_the_clock(client, served):
    client.force_login(served.bob)
    html = client.get("/manage/moderation/").content.decode()
    refs = re.findall(r"/manage/moderation/([0-9a-f]{16})/", html)
    pks = [anonymity.pk_from_reference(r) for r in refs]
    assert sorted(pks) != pks and sorted(pks, reverse=True) != pks


@pytest.mark.django_db
def test_score_api_and_exports_show_counts_only_for_the_citizens_cell(client, served):
    body = served.api.get(
        "/api/v1/scores/", {"unit": served.ward_a.code, "period_type": "day", "procedure": "all"}
    ).json()
    small = [r for r in body["results"] if r["responses"] < 30]
    assert small, body
    assert all(r["mean"] is None and r["sipas"]["index"] is None for r in small)


def test_references_round_trip_and_refuse_garbage():
    for pk in (1, 2, 3, 12345, 2**40 + 7):
        assert anonymity.pk_from_reference(anonymity.reference(pk)) == pk
    assert anonymity.reference(1) != anonymity.reference(2)
    assert anonymity.pk_from_reference("nothex") is None
    assert anonymity.pk_from_reference("zz" * 8) is None
