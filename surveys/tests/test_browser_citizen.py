"""The citizen journey in Debian's Chromium: phone width from a QR link, keyboard only, errors, kiosk loop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agencies.tests.factories import make_service_point
from surveys.manage.services import kiosk_register
from surveys.models import Response
from surveys.tests.factories import make_receipt, make_standard_survey

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}

# Every visible form control must have an accessible name from a <label>, aria-label or aria-labelledby.
UNLABELLED_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden')
  .filter(el => {
    if (el.tagName === 'BUTTON') return !(el.textContent.trim() || el.getAttribute('aria-label'));
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
    if (el.labels && el.labels.length && Array.from(el.labels).some(l => l.textContent.trim())) return false;
    return true;
  })
  .map(el => el.outerHTML.slice(0, 120))
"""

GROUPS_WITHOUT_LEGEND_JS = """
() => Array.from(document.querySelectorAll('input[type=radio], input[type=checkbox]'))
  .filter(el => { const fs = el.closest('fieldset'); return !fs || !fs.querySelector('legend'); })
  .map(el => el.name)
"""


@pytest.fixture
def journey(city):
    version = make_standard_survey(city.root)
    return version, make_receipt(city.ward_a)


def _phone(browser):
    return browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=1, has_touch=True)


def test_full_journey_at_phone_width_from_the_qr_link(live_server, browser, journey, screenshot_dir):
    version, receipt = journey
    context = _phone(browser)
    page = context.new_page()
    # The QR code encodes the link with dashes; people also type it in lower case.
    page.goto(f"{live_server.url}/r/{receipt.code.lower()}/")
    assert page.url.endswith(f"/r/{receipt.display_code}/")
    assert page.locator("legend").count() == version.questions.count()
    assert page.evaluate(UNLABELLED_JS) == []
    assert page.evaluate(GROUPS_WITHOUT_LEGEND_JS) == []
    # Large tappable choices: at least 44 CSS px high, and no horizontal scrolling at 390 px.
    box = page.locator("label.choice").first.bounding_box()
    assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_dir / "citizen-phone-survey.png"), full_page=False)
    for i, question in enumerate(version.questions.order_by("order")):
        page.tap(f"label[for=id_q{question.pk}_{i % 5}]")
    page.fill("textarea[name=comment]", "Cán bộ nhiệt tình. Số tôi 0912 345 678")
    page.screenshot(path=str(screenshot_dir / "citizen-phone-filled.png"), full_page=True)
    page.tap("button.submit-btn")
    page.wait_for_url(f"**/r/{receipt.display_code}/thanks/")
    assert "Cảm ơn" in page.inner_text("h1")
    page.screenshot(path=str(screenshot_dir / "citizen-phone-thanks.png"))
    stored = Response.objects.get(receipt=receipt)
    assert stored.answers.count() == version.questions.count()
    assert "0912" not in stored.comment
    # Opening the QR link again explains that the receipt was used.
    page.goto(f"{live_server.url}/r/{receipt.display_code}/")
    assert "đã được đánh giá" in page.inner_text("h1")
    context.close()


def test_keyboard_only_completion_with_visible_focus(live_server, browser, journey, screenshot_dir):
    version, receipt = journey
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{receipt.display_code}/")
    for _ in range(40):  # skip link, navigation, language switch
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name || ''").startswith("q"):
            break
    questions = list(version.questions.order_by("order"))
    for n, _question in enumerate(questions):
        page.keyboard.press("Space")  # choose the focused first option (1)…
        for _ in range(3):
            page.keyboard.press("ArrowRight")  # …then move to 4, "hài lòng"
        if n == 0:
            outline = page.evaluate(
                "getComputedStyle(document.querySelector(`label[for='${document.activeElement.id}']`)).outlineStyle"
            )
            assert outline != "none"
            page.screenshot(path=str(screenshot_dir / "citizen-keyboard-focus.png"))
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "comment"
    page.keyboard.type("Tốt")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks/")
    stored = Response.objects.get(receipt=receipt)
    assert sorted(set(stored.answers.values_list("value", flat=True))) == [4]
    context.close()


def test_validation_errors_are_shown_next_to_the_field_and_keep_answers(live_server, browser, journey, screenshot_dir):
    version, receipt = journey
    context = _phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{receipt.display_code}/")
    questions = list(version.questions.order_by("order"))
    skipped = questions[2]
    for q in questions:
        if q != skipped:
            page.tap(f"label[for=id_q{q.pk}_4]")
    page.fill("textarea[name=comment]", "góp ý")
    page.tap("button.submit-btn")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    error = page.locator(f"#id_q{skipped.pk}_error")
    assert "Vui lòng chọn một câu trả lời" in error.inner_text()
    assert page.locator("input.btn-check:checked").count() == len(questions) - 1
    assert page.input_value("textarea[name=comment]") == "góp ý"
    page.locator(f"#id_q{skipped.pk}").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "citizen-phone-error.png"))
    page.tap(f"#error-summary a[href='#id_q{skipped.pk}']")
    page.tap(f"label[for=id_q{skipped.pk}_5]")  # not applicable
    page.tap("button.submit-btn")
    page.wait_for_url("**/thanks/")
    assert Response.objects.get(receipt=receipt).answers.get(question=skipped).value is None
    context.close()


def test_kiosk_loop_survives_a_network_drop_without_duplicates(live_server, browser, city, screenshot_dir):
    make_standard_survey(city.root)
    kiosk = kiosk_register(service_point=make_service_point(city.ward_a), label="Quầy 1")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN", has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/k/{kiosk.token}/")
    assert page.evaluate(UNLABELLED_JS) == []
    page.screenshot(path=str(screenshot_dir / "kiosk-tablet.png"))

    def answer(option: int):
        for fieldset in page.locator("fieldset[data-required]").all():
            fieldset.locator("label.choice").nth(option).tap()
        page.tap("button.submit-btn")

    first_key = page.input_value("input[name=idempotency_key]")
    context.set_offline(True)
    answer(4)
    assert page.locator("#kiosk-thanks").is_visible()
    expect(page.locator("#kiosk-status")).to_have_text(re.compile(r"\S"))
    page.screenshot(path=str(screenshot_dir / "kiosk-thanks-offline.png"))
    assert Response.objects.count() == 0
    # Five seconds later the next citizen sees a fresh form with a new key.
    page.wait_for_selector("#kiosk-survey:not([hidden])", timeout=8000)
    assert page.input_value("input[name=idempotency_key]") != first_key
    assert page.locator("input.btn-check:checked").count() == 0
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#kiosk-status")).to_have_text("", timeout=30000)
    assert Response.objects.filter(channel="kiosk", kiosk=kiosk).count() == 1
    # A second citizen, online this time; a reload re-sends nothing twice.
    answer(3)
    expect(page.locator("#kiosk-status")).to_have_text("", timeout=30000)
    page.reload()
    page.wait_for_timeout(500)
    assert Response.objects.filter(channel="kiosk").count() == 2
    context.close()


def test_manager_prints_a_sheet_of_receipts(live_server, browser, city, screenshot_dir):
    make_standard_survey(city.root)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/receipts/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", city.password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/manage/receipts/")
    page.select_option("select[name=unit]", str(city.ward_a.pk))
    page.fill("input[name=count]", "6")
    page.click("main button[type=submit]")
    page.wait_for_url("**/manage/receipts/sheet/**")
    assert page.locator(".slip svg").count() == 6
    page.screenshot(path=str(screenshot_dir / "manager-receipt-sheet.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    page.screenshot(path=str(screenshot_dir / "manager-receipt-sheet-print.png"), full_page=True)
    context.close()
