"""Replies the citizen reads with their receipt code and reply key: masked, audited, only for the one who wrote the comment."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from agencies.models import AuditEvent
from feedback import reply_keys, services
from feedback.models import Reply, ReplyKey
from reports.anonymity import reference
from surveys import reply_cookie
from surveys.codes import ALPHABET
from surveys.tests.factories import make_receipt, make_response, make_standard_survey


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits live in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def commented(city):
    version = make_standard_survey(city.root)
    receipt = make_receipt(city.ward_a)
    receipt.used_at = timezone.now()
    receipt.save(update_fields=["used_at"])
    city.receipt = receipt
    city.response = make_response(version, city.ward_a, [2] * 16, receipt=receipt, comment="Chờ lâu quá, 2 tiếng.")
    city.key = reply_keys.issue(response=city.response)
    city.unused = make_receipt(city.ward_a)
    city.version = version
    return city


def _with_key(client, receipt, key):
    """The citizen's own device: the cookie set at submission, scoped to the receipt's path."""
    client.cookies[reply_cookie.COOKIE_NAME] = key
    client.cookies[reply_cookie.COOKIE_NAME]["path"] = f"/r/{receipt.display_code}/"
    return client


@pytest.mark.django_db
def test_citizen_reads_the_reply_with_the_key_cookie_of_their_device(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Phường đã mở thêm quầy.")
    page = _with_key(client, commented.receipt, commented.key).get(f"/r/{commented.receipt.display_code}/reply/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chờ lâu quá, 2 tiếng." in html and "Phường đã mở thêm quầy." in html
    # a date, never a time of day
    assert timezone.localtime(commented.response.submitted_at).strftime("%H:%M") not in html


@pytest.mark.django_db
def test_insider_with_the_receipt_code_but_no_key_sees_nothing(client, commented):
    """The clerk printed the receipt, so they know its code: that alone must open nothing."""
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Phường đã mở thêm quầy.")
    for path in ("reply/", "thanks/", ""):
        html = client.get(f"/r/{commented.receipt.display_code}/{path}", follow=True).content.decode()
        assert "Chờ lâu" not in html and "mở thêm quầy" not in html and commented.key not in html
    reply_page = client.get(f"/r/{commented.receipt.display_code}/reply/").content.decode()
    assert 'data-testid="no-reply"' in reply_page and 'data-testid="key-form"' in reply_page
    # a key of another receipt does not open this one
    other = make_receipt(commented.ward_a)
    other_response = make_response(commented.version, commented.ward_a, [4] * 16, receipt=other, comment="Tốt.")
    other_key = reply_keys.issue(response=other_response)
    typed = client.post(f"/r/{commented.receipt.display_code}/reply/", {"key": other_key})
    assert typed.status_code == 400 and "Chờ lâu" not in typed.content.decode()


@pytest.mark.django_db
def test_citizen_types_the_key_on_another_device(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Đã mở thêm quầy.")
    typed = commented.key[:4].lower() + " - " + commented.key[4:].lower()  # forgiving, like codes
    posted = client.post(f"/r/{commented.receipt.display_code}/reply/", {"key": typed})
    assert posted.status_code == 302 and posted.url == f"/r/{commented.receipt.display_code}/reply/"
    cookie = posted.cookies[reply_cookie.COOKIE_NAME]
    assert cookie.value == commented.key and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == f"/r/{commented.receipt.display_code}/"
    html = client.get(posted.url).content.decode()
    assert "Chờ lâu quá" in html and "Đã mở thêm quầy." in html


@pytest.mark.django_db
def test_with_the_key_an_unanswered_comment_says_so(client, commented):
    html = _with_key(client, commented.receipt, commented.key).get(f"/r/{commented.receipt.display_code}/reply/")
    html = html.content.decode()
    assert "Chờ lâu quá" in html and 'data-testid="not-answered-yet"' in html


@pytest.mark.django_db
def test_wrong_keys_are_rate_limited_with_wrong_codes(client, commented, settings):
    settings.SURVEY_RATE_LIMITS = {"code": (2, 60, 300)}
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Trả lời.")
    url = f"/r/{commented.receipt.display_code}/reply/"
    wrong = "2222-2222" if commented.key != "22222222" else "3333-3333"
    statuses = [client.post(url, {"key": wrong}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    # blocked now: even the right key is refused until the cool-down ends, so guessing stays hopeless
    right = client.post(url, {"key": commented.key})
    assert right.status_code == 429 and "Retry-After" in right
    assert "Trả lời." not in right.content.decode()


@pytest.mark.django_db
def test_a_forged_cookie_counts_as_a_wrong_key_and_is_removed(client, commented, settings):
    settings.SURVEY_RATE_LIMITS = {"code": (1, 60, 300)}
    forged = "2222222Z" if commented.key != "2222222Z" else "3333333Z"
    _with_key(client, commented.receipt, forged)
    first = client.get(f"/r/{commented.receipt.display_code}/reply/")
    assert first.status_code == 200 and "Chờ lâu" not in first.content.decode()
    assert first.cookies[reply_cookie.COOKIE_NAME].value == ""  # deleted
    _with_key(client, commented.receipt, forged)
    assert client.get(f"/r/{commented.receipt.display_code}/reply/").status_code == 429


@pytest.mark.django_db
def test_only_a_hash_of_the_key_is_stored(commented):
    stored = ReplyKey.objects.get(response=commented.response)
    assert commented.key not in stored.key_hash and len(stored.key_hash) == 64
    assert len(commented.key) == 8 and all(ch in ALPHABET for ch in commented.key)  # 8 × 5 bits = 40 bits
    assert reply_keys.matches(receipt=commented.receipt, key=commented.key)
    assert not reply_keys.matches(receipt=commented.unused, key=commented.key)


@pytest.mark.django_db
def test_code_typed_in_lower_case_redirects_to_the_canonical_reply_page(client, commented):
    page = client.get(f"/r/{commented.receipt.code.lower()}/reply/")
    assert page.status_code == 302 and page.url == f"/r/{commented.receipt.display_code}/reply/"


@pytest.mark.django_db
def test_a_code_never_answered_shows_no_comment_and_no_reply(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Cảm ơn góp ý.")
    unused = _with_key(client, commented.unused, commented.key).get(f"/r/{commented.unused.display_code}/reply/")
    assert unused.status_code == 200
    html = unused.content.decode()
    assert 'data-testid="no-reply"' in html and "Chờ lâu" not in html and "Cảm ơn góp ý" not in html


@pytest.mark.django_db
def test_an_answered_code_and_a_never_used_code_look_the_same_without_the_key(client, commented):
    """The page never tells whether a receipt was used, not even after a wrong key."""
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Cảm ơn góp ý.")

    def strip(html: str, code: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.replace(code, "CODE"))

    for send in (
        lambda code: client.get(f"/r/{code}/reply/"),
        lambda code: client.post(f"/r/{code}/reply/", {"key": "2222-222Z"}),
        lambda code: client.post(f"/r/{code}/reply/", {"key": "short"}),
    ):
        used, unused = send(commented.receipt.display_code), send(commented.unused.display_code)
        assert used.status_code == unused.status_code
        assert strip(used.content.decode(), commented.receipt.display_code) == strip(
            unused.content.decode(), commented.unused.display_code
        )
        assert "Chờ lâu" not in used.content.decode()


@pytest.mark.django_db
def test_unknown_code_is_404_and_counts_towards_the_rate_limit(client, commented, settings):
    from surveys import ratelimit

    hits = []
    original = ratelimit.hit
    ratelimit_hit = lambda scope, ident: hits.append(scope) or original(scope, ident)
    from feedback import views

    views.ratelimit.hit = ratelimit_hit
    try:
        page = client.get("/r/AAAA-BBBB-CC/reply/")
    finally:
        views.ratelimit.hit = original
    assert page.status_code == 404 and hits == ["code"]


@pytest.mark.django_db
def test_reply_is_masked_like_comments(commented):
    reply = services.reply_publish(
        response_id=commented.response.pk,
        user=commented.bob,
        text="Xin gọi 0912 345 678 hoặc viết cho canbo@phuong.gov.vn, CCCD 001203004567.",
    )
    assert "0912" not in reply.text and "canbo@" not in reply.text and "001203004567" not in reply.text
    assert reply.text.count("[***]") == 3


@pytest.mark.django_db
def test_reply_is_audited_without_its_text(commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Đã xử lý.")
    event = AuditEvent.objects.get(action="reply_publish")
    assert event.actor == commented.bob and event.unit_id == commented.ward_a.pk
    assert "Đã xử lý" not in str(event.details) and "Chờ" not in str(event.details)


@pytest.mark.django_db
def test_staff_and_outsiders_cannot_reply(commented):
    with pytest.raises(PermissionDenied):
        services.reply_publish(response_id=commented.response.pk, user=commented.alice, text="x")
    with pytest.raises(PermissionDenied):
        services.reply_publish(response_id=commented.response.pk, user=commented.charlie, text="x")
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_empty_reply_is_refused_and_nothing_is_saved(commented):
    with pytest.raises(ValidationError):
        services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="   ")
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_withdrawn_reply_is_hidden_from_the_citizen(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Trả lời.")
    services.reply_withdraw(response_id=commented.response.pk, user=commented.bob, reason="sai đơn vị")
    html = _with_key(client, commented.receipt, commented.key).get(f"/r/{commented.receipt.display_code}/reply/")
    assert "Trả lời." not in html.content.decode()
    assert AuditEvent.objects.filter(action="reply_withdraw").count() == 1


@pytest.mark.django_db
def test_reply_to_an_excluded_response_is_not_shown(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Trả lời.")
    type(commented.response).objects.filter(pk=commented.response.pk).update(excluded=True)
    html = _with_key(client, commented.receipt, commented.key).get(f"/r/{commented.receipt.display_code}/reply/")
    assert "Trả lời." not in html.content.decode() and "Chờ lâu" not in html.content.decode()


@pytest.mark.django_db
def test_manager_publishes_from_the_moderation_page(client, commented):
    client.force_login(commented.bob)
    detail = client.get(f"/manage/moderation/{reference(commented.response.pk)}/").content.decode()
    assert 'data-testid="reply-panel"' in detail
    posted = client.post(
        f"/manage/replies/{reference(commented.response.pk)}/", {"action": "publish", "text": "Đã mở thêm quầy."}
    )
    assert posted.status_code == 302
    assert Reply.objects.get().text == "Đã mở thêm quầy."
    empty = client.post(f"/manage/replies/{reference(commented.response.pk)}/", {"action": "publish", "text": ""})
    assert empty.status_code == 302 and Reply.objects.get().text == "Đã mở thêm quầy."


@pytest.mark.django_db
def test_outsider_manager_gets_404_on_the_reply_form(client, commented):
    client.force_login(commented.charlie)
    assert client.post(f"/manage/replies/{reference(commented.response.pk)}/", {"text": "x"}).status_code == 404


def _answer(client, commented, receipt, comment: str):
    from surveys.models import Response

    form = client.get(f"/r/{receipt.display_code}/").content.decode()
    data = {
        "version": commented.version.pk,
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1),
        "comment": comment,
    }
    for question in commented.version.questions.filter(kind="rating"):
        data[f"q{question.pk}"] = "4"
    posted = client.post(f"/r/{receipt.display_code}/", data)
    assert posted.status_code == 302, posted.content.decode()[:2000]
    return posted, Response.objects.get(receipt=receipt)


@pytest.mark.django_db
def test_submission_with_a_comment_gives_this_device_a_key_and_shows_it(client, commented):
    receipt = make_receipt(commented.ward_a)
    posted, response = _answer(client, commented, receipt, "Cán bộ hướng dẫn tận tình.")
    cookie = posted.cookies[reply_cookie.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == f"/r/{receipt.display_code}/"
    key = cookie.value
    assert reply_keys.matches(receipt=receipt, key=key) and ReplyKey.objects.filter(response=response).exists()
    thanks = client.get(posted.url).content.decode()
    assert 'data-testid="reply-note"' in thanks and f"{key[:4]}-{key[4:]}" in thanks
    # another device (the clerk's) opening the same thanks page learns nothing
    other = Client()
    assert key[:4] + "-" not in other.get(posted.url).content.decode()


@pytest.mark.django_db
def test_submission_without_a_comment_gets_no_key(client, commented):
    receipt = make_receipt(commented.ward_a)
    posted, response = _answer(client, commented, receipt, "")
    assert reply_cookie.COOKIE_NAME not in posted.cookies and not ReplyKey.objects.filter(response=response).exists()
    assert 'data-testid="reply-note"' not in client.get(posted.url).content.decode()


@pytest.mark.django_db
def test_no_key_is_kept_when_the_submission_fails(commented, monkeypatch):
    """The key is written in the response's transaction: both or neither."""
    import uuid

    from surveys.citizen.services import response_submit
    from surveys.models import Response

    receipt = make_receipt(commented.ward_a)
    monkeypatch.setattr(reply_keys.ReplyKey.objects, "create", lambda **kw: (_ for _ in ()).throw(RuntimeError))
    with pytest.raises(RuntimeError):
        response_submit(
            version=commented.version,
            unit=commented.ward_a,
            channel="receipt",
            answers={},
            comment="Tốt.",
            idempotency_key=uuid.uuid4(),
            receipt=receipt,
        )
    receipt.refresh_from_db()
    assert receipt.used_at is None and not Response.objects.filter(receipt=receipt).exists()
