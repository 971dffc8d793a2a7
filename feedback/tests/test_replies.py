"""Replies the citizen reads with their receipt code: masked, audited, only for the code's holder."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import AuditEvent
from feedback import services
from feedback.models import Reply
from reports.anonymity import reference
from surveys.tests.factories import make_receipt, make_response, make_standard_survey


@pytest.fixture
def commented(city):
    version = make_standard_survey(city.root)
    receipt = make_receipt(city.ward_a)
    receipt.used_at = timezone.now()
    receipt.save(update_fields=["used_at"])
    city.receipt = receipt
    city.response = make_response(version, city.ward_a, [2] * 16, receipt=receipt, comment="Chờ lâu quá, 2 tiếng.")
    city.unused = make_receipt(city.ward_a)
    city.version = version
    return city


@pytest.mark.django_db
def test_citizen_reads_the_reply_with_the_receipt_code(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Phường đã mở thêm quầy.")
    page = client.get(f"/r/{commented.receipt.display_code}/reply/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chờ lâu quá, 2 tiếng." in html and "Phường đã mở thêm quầy." in html
    # a date, never a time of day
    assert timezone.localtime(commented.response.submitted_at).strftime("%H:%M") not in html


@pytest.mark.django_db
def test_code_typed_in_lower_case_redirects_to_the_canonical_reply_page(client, commented):
    page = client.get(f"/r/{commented.receipt.code.lower()}/reply/")
    assert page.status_code == 302 and page.url == f"/r/{commented.receipt.display_code}/reply/"


@pytest.mark.django_db
def test_a_code_never_answered_shows_no_comment_and_no_reply(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Cảm ơn góp ý.")
    unused = client.get(f"/r/{commented.unused.display_code}/reply/")
    assert unused.status_code == 200
    html = unused.content.decode()
    assert 'data-testid="no-reply"' in html and "Chờ lâu" not in html and "Cảm ơn góp ý" not in html


@pytest.mark.django_db
def test_an_unanswered_comment_and_a_never_used_code_look_the_same(client, commented):
    """The page never tells whether a receipt was used."""
    used = client.get(f"/r/{commented.receipt.display_code}/reply/").content.decode()
    unused = client.get(f"/r/{commented.unused.display_code}/reply/").content.decode()

    def strip(html: str, code: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.replace(code, "CODE"))

    assert strip(used, commented.receipt.display_code) == strip(unused, commented.unused.display_code)
    assert "Chờ lâu" not in used


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
    html = client.get(f"/r/{commented.receipt.display_code}/reply/").content.decode()
    assert "Trả lời." not in html and "Chờ lâu" not in html
    assert AuditEvent.objects.filter(action="reply_withdraw").count() == 1


@pytest.mark.django_db
def test_reply_to_an_excluded_response_is_not_shown(client, commented):
    services.reply_publish(response_id=commented.response.pk, user=commented.bob, text="Trả lời.")
    type(commented.response).objects.filter(pk=commented.response.pk).update(excluded=True)
    html = client.get(f"/r/{commented.receipt.display_code}/reply/").content.decode()
    assert "Trả lời." not in html


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


@pytest.mark.django_db
def test_thanks_page_says_a_reply_can_be_read_later(client, commented):
    html = client.get(f"/r/{commented.receipt.display_code}/thanks/").content.decode()
    assert 'data-testid="reply-note"' in html
