"""In Chromium: a citizen answers with a comment, a manager replies, the citizen reads it with the
receipt code and the reply key; a clerk holding only the code reads nothing."""

from __future__ import annotations

import pytest

from feedback.models import Reply
from reports.anonymity import reference
from surveys.models import Response
from surveys.tests.factories import make_receipt, make_standard_survey

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def test_citizen_reads_the_reply_by_receipt_code(live_server, browser, city, screenshot_dir):
    version = make_standard_survey(city.root)
    receipt = make_receipt(city.ward_a)
    citizen = browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True)
    page = citizen.new_page()
    page.goto(f"{live_server.url}/r/{receipt.display_code}/")
    for i, question in enumerate(version.questions.order_by("order")):
        page.tap(f"label[for=id_q{question.pk}_{i % 5}]")
    page.fill("textarea[name=comment]", "Phải chờ 2 tiếng mới đến lượt. Gọi tôi 0912 345 678")
    page.tap("button.submit-btn")
    page.wait_for_url(f"**/r/{receipt.display_code}/thanks/")
    assert "khóa" in page.get_by_test_id("reply-note").inner_text()
    key = page.get_by_test_id("reply-key").inner_text().strip()
    assert len(key) == 9 and key[4] == "-"
    page.screenshot(path=str(screenshot_dir / "feedback-reply-thanks.png"), full_page=True)
    assert "reply_key" not in page.evaluate("document.cookie")  # HttpOnly: no script reads the key
    response = Response.objects.get(receipt=receipt)

    # Before any reply: the citizen's own device (the key cookie) sees the comment, not answered yet.
    page.goto(f"{live_server.url}/r/{receipt.display_code}/reply/")
    assert page.get_by_test_id("not-answered-yet").is_visible()
    assert "Phải chờ" in page.get_by_test_id("comment").inner_text()

    # A manager answers from the moderation page.
    manager = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    staff = manager.new_page()
    staff.goto(f"{live_server.url}/accounts/login/")
    staff.fill("input[name=username]", "bob")
    staff.fill("input[name=password]", "correct-horse-battery-9")
    staff.click("main button[type=submit]")
    staff.wait_for_url(lambda url: "/accounts/login/" not in url)
    staff.goto(f"{live_server.url}/manage/moderation/{reference(response.pk)}/")
    staff.fill("textarea[name=text]", "Từ tuần sau phường mở thêm quầy thứ hai. Liên hệ 0243 456 7890.")
    staff.screenshot(path=str(screenshot_dir / "feedback-reply-manager.png"), full_page=True)
    staff.get_by_role("button", name="Đăng câu trả lời").click()
    staff.wait_for_load_state()
    assert Reply.objects.get(response=response).status == "published"
    manager.close()

    # The citizen types the code again on the home page, as the thanks page said.
    page.goto(f"{live_server.url}/")
    page.fill("input[name=code]", receipt.code.lower())
    page.get_by_role("button", name="Bắt đầu khảo sát").click()
    page.get_by_test_id("reply-link").click()
    page.wait_for_url(f"**/r/{receipt.display_code}/reply/")
    assert "Phải chờ 2 tiếng" in page.get_by_test_id("comment").inner_text()
    assert "0912" not in page.get_by_test_id("comment").inner_text()
    reply = page.get_by_test_id("reply").inner_text()
    assert "mở thêm quầy thứ hai" in reply and "0243" not in reply and "[***]" in reply
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_dir / "feedback-reply-citizen.png"), full_page=True)
    citizen.close()

    # The clerk who printed the receipt knows the code, not the key: nothing to read.
    clerk = browser.new_context(viewport=PHONE, locale="vi-VN")
    insider = clerk.new_page()
    insider.goto(f"{live_server.url}/r/{receipt.display_code}/reply/")
    assert insider.get_by_test_id("no-reply").is_visible()
    assert "Phải chờ" not in insider.content() and "quầy thứ hai" not in insider.content()
    insider.screenshot(path=str(screenshot_dir / "feedback-reply-insider.png"), full_page=True)
    insider.goto(f"{live_server.url}/r/{receipt.display_code}/thanks/")
    assert key not in insider.content()
    clerk.close()

    # The citizen on another device types the key.
    tablet = browser.new_context(viewport={"width": 800, "height": 1000}, locale="vi-VN")
    other = tablet.new_page()
    other.goto(f"{live_server.url}/r/{receipt.display_code}/reply/")
    other.fill("input[name=key]", key.lower())
    other.get_by_role("button", name="Đọc câu trả lời").click()
    other.wait_for_load_state()
    assert "mở thêm quầy thứ hai" in other.get_by_test_id("reply").inner_text()
    other.screenshot(path=str(screenshot_dir / "feedback-reply-other-device.png"), full_page=True)
    tablet.close()
