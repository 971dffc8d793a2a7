"""Staff authentication: lockout after repeated failures, idle timeout, password rules, logout elsewhere."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client

from agencies.audit import AuditAction
from agencies.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_right_password_signs_in(client, city):
    response = _attempt(client, "bob", city.password)
    assert response.status_code == 302 and response["Location"] == settings.LOGIN_REDIRECT_URL


def test_five_wrong_passwords_lock_the_account_from_that_client_even_with_the_right_one(client, city):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _attempt(client, "bob", "wrong")
        assert response.status_code == 200  # the login form again, with its error
    response = _attempt(client, "bob", "wrong")
    assert response.status_code == 429
    response = _attempt(client, "bob", city.password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "30" in page and "<form" not in page.split('id="main"')[1]  # says how long; no login form


def test_lockout_page_speaks_vietnamese_by_default_and_english_on_request(city):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _attempt(Client(), "bob", "wrong")
    assert response.status_code == 429
    assert "Tạm dừng đăng nhập" in response.content.decode()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _attempt(english, "bob", "wrong")
    assert response.status_code == 429 and "Sign-in paused" in response.content.decode()


def test_lockout_is_per_username_and_client(client, city):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "bob", "wrong")
    assert _attempt(client, "bob", city.password).status_code == 429
    # Another staff member on the same network, and bob from another address, are not locked.
    assert _attempt(Client(), "alice", city.password).status_code == 302
    assert _attempt(Client(), "bob", city.password, ip="10.0.0.2").status_code == 302


def test_lockout_is_audited_once(client, city):
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        _attempt(client, "bob", "wrong")
    events = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_LOCKED)
    assert [(e.object_label, e.actor_id) for e in events] == [("bob", None)]


def test_a_success_forgets_earlier_failures(client, city):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, "bob", "wrong")
    assert _attempt(client, "bob", city.password).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, "bob", "wrong").status_code == 200


def test_admin_login_is_locked_too(client, city):
    city.dana.is_staff = True
    city.dana.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "dana", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post("/admin/login/", {"username": "dana", "password": city.password}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429


def test_staff_session_expires_after_30_idle_minutes_and_each_request_renews_it(client, city):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    _attempt(client, "bob", city.password)
    response = client.get("/dashboard/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 60 and cookie["httponly"]
    # An idle session is gone on the server side too: its expiry date is 30 minutes ahead.
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    session = Session.objects.get(session_key=client.session.session_key)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60


def test_expired_session_sends_staff_back_to_sign_in(client, city):
    _attempt(client, "bob", city.password)
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.get("/manage/")
    assert response.status_code == 302 and LOGIN in response["Location"]


def test_password_validators_refuse_weak_passwords(city):
    for weak in ("12345678", "password", "bob12345", "short"):
        with pytest.raises(ValidationError):
            password_validation.validate_password(weak, user=city.bob)
    password_validation.validate_password("a-long-unusual-passphrase-42", user=city.bob)


def test_password_change_signs_out_every_other_session_but_keeps_this_one(city):
    laptop, phone = Client(), Client()
    assert _attempt(laptop, "bob", city.password).status_code == 302
    assert _attempt(phone, "bob", city.password, ip="10.0.0.3").status_code == 302
    assert phone.get("/manage/").status_code == 200
    response = laptop.post(
        "/accounts/password_change/",
        {
            "old_password": city.password,
            "new_password1": "a-new-unusual-passphrase-77",
            "new_password2": "a-new-unusual-passphrase-77",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/manage/").status_code == 200
    response = phone.get("/manage/")
    assert response.status_code == 302 and LOGIN in response["Location"]


def test_weak_new_password_is_refused_with_a_message(client, city):
    _attempt(client, "bob", city.password)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": city.password, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode() or "quá phổ biến" in response.content.decode()
    city.bob.refresh_from_db()
    assert city.bob.check_password(city.password)


@pytest.mark.anydb
def test_forged_forwarded_for_neither_breaks_sign_in_nor_escapes_the_lockout(city, settings):
    """Behind one proxy the client is the address the proxy appended; junk there is not stored as an IP."""
    settings.NUM_PROXIES = 1
    spoofer = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        # The attacker varies the part of X-Forwarded-For they control; the proxy appends the real address.
        spoofer.post(
            LOGIN,
            {"username": "bob", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7",
        )
    response = spoofer.post(
        LOGIN,
        {"username": "bob", "password": city.password},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7",
    )
    assert response.status_code == 429
    junk = Client().post(
        LOGIN,
        {"username": "alice", "password": city.password},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="<script>, not-an-ip",
    )
    assert junk.status_code == 302


@pytest.mark.anydb
def test_force_login_and_requests_without_an_address_still_work(client, city):
    client.force_login(city.bob)  # a bare request: no REMOTE_ADDR at all
    assert client.get("/manage/").status_code == 200
