"""/manage/receipts/, /manage/kiosks/, /manage/tokens/: managers of the subtree only."""

from __future__ import annotations

import re

import pytest

from agencies.tests.factories import make_service_point
from surveys.manage.services import api_token_create, kiosk_register, receipts_issue_batch
from surveys.models import ApiToken, Kiosk, Receipt

pytestmark = pytest.mark.django_db

PAGES = ["/manage/receipts/", "/manage/kiosks/", "/manage/tokens/"]


def login(client, user, city):
    # force_login: the sign-in lockout backend (django-axes) needs a request, which client.login lacks.
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(page)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_staff_without_manage_role_gets_403(client, city, page):
    login(client, city.alice, city)
    assert client.get(page).status_code == 403


def test_manager_prints_a_sheet_of_receipts_for_own_units_only(client, city):
    login(client, city.bob, city)
    form = client.get("/manage/receipts/").content.decode()
    assert city.ward_a.code in form and city.ward_b.code not in form
    response = client.post("/manage/receipts/", {"unit": city.ward_b.pk, "count": 3})
    assert response.status_code == 400 and not Receipt.objects.exists()
    response = client.post("/manage/receipts/", {"unit": city.centre_a.pk, "count": 4})
    assert response.status_code == 302
    sheet = client.get(response["Location"])
    html = sheet.content.decode()
    assert sheet.status_code == 200
    assert html.count("<svg") == 4 and html.count('class="slip"') == 4
    for receipt in Receipt.objects.all():
        assert receipt.display_code in html and receipt.issued_by == city.bob
    assert "<script>" not in html
    # Another manager cannot open bob's sheet.
    client.logout()
    login(client, city.dana, city)
    assert client.get(response["Location"]).status_code == 404


@pytest.mark.parametrize("count", ["0", "501", "abc"])
def test_receipt_count_is_bounded(client, city, count):
    login(client, city.bob, city)
    assert client.post("/manage/receipts/", {"unit": city.ward_a.pk, "count": count}).status_code == 400
    assert not Receipt.objects.exists()


def test_manager_registers_shows_and_revokes_a_kiosk(client, city, standard):
    point = make_service_point(city.ward_a)
    foreign = make_service_point(city.ward_b)
    login(client, city.bob, city)
    assert client.post("/manage/kiosks/", {"service_point": foreign.pk, "label": "x"}).status_code == 400
    response = client.post("/manage/kiosks/", {"service_point": point.pk, "label": "Quầy 1"})
    kiosk = Kiosk.objects.get()
    assert response["Location"] == f"/manage/kiosks/{kiosk.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert kiosk.token in detail and "<svg" in detail
    assert client.get(f"/manage/kiosks/{kiosk.pk}/qr.png")["Content-Type"] == "image/png"
    assert client.get(f"/k/{kiosk.token}/").status_code == 200
    assert client.post(f"/manage/kiosks/{kiosk.pk}/revoke/").status_code == 302
    assert client.get(f"/k/{kiosk.token}/").status_code == 404


def test_foreign_kiosks_and_tokens_are_404(client, city):
    other_kiosk = kiosk_register(service_point=make_service_point(city.ward_b), label="B")
    other_token, _ = api_token_create(unit=city.ward_b, name="B")
    login(client, city.bob, city)
    assert client.get(f"/manage/kiosks/{other_kiosk.pk}/").status_code == 404
    assert client.get(f"/manage/kiosks/{other_kiosk.pk}/qr.svg").status_code == 404
    assert client.post(f"/manage/kiosks/{other_kiosk.pk}/revoke/").status_code == 404
    assert client.post(f"/manage/tokens/{other_token.pk}/revoke/").status_code == 404
    assert "B" not in re.findall(r"<td>([^<]*)</td>", client.get("/manage/tokens/").content.decode())
    other_kiosk.refresh_from_db()
    other_token.refresh_from_db()
    assert other_kiosk.revoked_at is None and other_token.revoked_at is None


def test_token_is_shown_once_then_only_its_prefix(client, city):
    login(client, city.bob, city)
    response = client.post("/manage/tokens/", {"unit": city.ward_a.pk, "name": "Phần mềm một cửa"})
    html = response.content.decode()
    key = re.search(r'id="new-token-value"[^>]*value="([^"]+)"', html).group(1)
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert key.startswith(token.prefix)
    again = client.get("/manage/tokens/").content.decode()
    assert key not in again and token.prefix in again
    assert client.post(f"/manage/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_administrator_manages_every_unit(client, city):
    login(client, city.dana, city)
    assert client.post("/manage/receipts/", {"unit": city.ward_b.pk, "count": 2}).status_code == 302
    assert Receipt.objects.filter(unit=city.ward_b).count() == 2


def test_recent_sheets_are_listed(client, city):
    receipts_issue_batch(unit=city.ward_a, count=3, user=city.bob)
    login(client, city.bob, city)
    html = client.get("/manage/receipts/").content.decode()
    assert "/manage/receipts/sheet/?from=" in html


def test_admin_creates_tokens_and_kiosks_with_fresh_secrets(client, city):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.vn", city.password)
    client.force_login(admin_user)
    for name in ("A", "B"):
        response = client.post("/admin/surveys/apitoken/add/", {"unit": city.ward_a.pk, "name": name}, follow=True)
        assert response.status_code == 200
    keys = [t.key_hash for t in ApiToken.objects.all()]
    assert len(keys) == 2 and all(len(k) == 64 for k in keys) and keys[0] != keys[1]
    point = make_service_point(city.ward_a)
    for label in ("K1", "K2"):
        client.post("/admin/surveys/kiosk/add/", {"service_point": point.pk, "label": label})
    tokens = list(Kiosk.objects.values_list("token", flat=True))
    assert len(tokens) == 2 and all(len(t) >= 40 for t in tokens)


def test_manager_lists_take_constant_queries(client, city, django_assert_max_num_queries):
    login(client, city.bob, city)
    for n in range(2):
        for _ in range(5 * (n + 1)):
            kiosk_register(service_point=make_service_point(city.ward_a), label=f"K{n}")
            api_token_create(unit=city.centre_a, name=f"T{n}")
            receipts_issue_batch(unit=city.ward_a, count=2, user=city.bob)
        with django_assert_max_num_queries(17):  # +1: the session is saved on every request (idle timeout)
            assert client.get("/manage/kiosks/").status_code == 200
        with django_assert_max_num_queries(17):  # +1: the session is saved on every request (idle timeout)
            assert client.get("/manage/tokens/").status_code == 200
        with django_assert_max_num_queries(17):  # +1: the session is saved on every request (idle timeout)
            assert client.get("/manage/receipts/").status_code == 200
