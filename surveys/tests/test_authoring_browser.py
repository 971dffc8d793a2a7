"""Issue 4 end to end in Chromium: a manager builds a 3-question survey, previews and publishes it;
a citizen answers it through a receipt; the response is linked to that exact version."""

import pytest

from surveys.models import Response, SurveyVersion
from surveys.tests.factories import make_receipt, make_standard_survey

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def add_question(
    page,
    *,
    kind: str,
    text_vi: str,
    text_en: str,
    dimension: str | None = None,
    choices_vi: str = "",
    choices_en: str = "",
    required: bool = True,
    kiosk: bool = False,
    another: bool = True,
):
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=text_vi]", text_vi)
    page.fill("input[name=text_en]", text_en)
    if dimension:
        page.select_option("select[name=dimension]", label=dimension)
    if choices_vi:
        page.fill("textarea[name=choices_vi]", choices_vi)
        page.fill("textarea[name=choices_en]", choices_en)
    if not required:
        page.uncheck("input[name=required]")
    if kiosk:
        page.check("input[name=on_kiosk]")
    page.click("button[name=add_another]" if another else "button:has-text('Thêm câu hỏi')")


def test_manager_builds_previews_publishes_and_a_citizen_answers(live_server, browser, city, screenshot_dir):
    standard = make_standard_survey(city.root)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = desk.new_page()
    page.set_default_timeout(10_000)

    # The manager signs in and starts a blank survey for ward A.
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", city.password)
    page.click("main button[type=submit]")
    page.click("a[href='/manage/surveys/']")
    page.click("text=Khảo sát mới")
    page.select_option("select[name=owner]", str(city.ward_a.pk))
    page.check("input[name=start][value=blank]")
    page.fill("input[name=title_vi]", "Khảo sát Bộ phận Một cửa Phường Ba Đình")
    page.fill("input[name=title_en]", "Ba Dinh Ward one-stop shop survey")
    page.click("button:has-text('Tạo bản nháp')")
    assert "Đã tạo bản nháp" in page.content()

    # Three questions: a rating with its dimension, a single choice, a free text.
    page.click("a:has-text('Thêm câu hỏi')")
    add_question(
        page,
        kind="rating",
        text_vi="Công chức hướng dẫn rõ ràng, đầy đủ.",
        text_en="The civil servant gave clear, complete guidance.",
        dimension="Công chức",
        kiosk=True,
    )
    add_question(
        page,
        kind="single",
        text_vi="Ông/bà nộp hồ sơ bằng cách nào?",
        text_en="How did you submit your dossier?",
        choices_vi="Trực tiếp\nTrực tuyến",
        choices_en="In person\nOnline",
    )
    add_question(
        page,
        kind="text",
        text_vi="Ông/bà có góp ý gì thêm?",
        text_en="Any other comments?",
        required=False,
        another=False,
    )
    assert page.locator(".question-row").count() == 3
    # Reorder without JavaScript's drag and drop: the free-text question moves up, then back down.
    page.click("button[aria-label='Chuyển câu 3 lên']")
    assert page.locator(".question-row").nth(1).inner_text().count("góp ý") == 1
    page.click("button[aria-label='Chuyển câu 2 xuống']")
    assert "góp ý" in page.locator(".question-row").nth(2).inner_text()
    # Drag and drop (static/js/authoring.js) saves the new order and reloads; dragged back again.
    rows = page.locator(".question-row")
    with page.expect_navigation():
        rows.nth(2).drag_to(rows.nth(0))
    assert "góp ý" in page.locator(".question-row").nth(0).inner_text()
    with page.expect_navigation():
        page.locator(".question-row").nth(0).drag_to(page.locator(".question-row").nth(2))
    assert "góp ý" in page.locator(".question-row").nth(2).inner_text()
    # docs/authoring.png (the screenshot in docs/features.md) is a copy of this one.
    page.screenshot(path=str(screenshot_dir / "authoring-draft.png"), full_page=True)

    # Preview at phone width: the citizen's page inside the frame; trying it stores nothing.
    page.click("a:has-text('Xem trước')")
    frame = page.frame_locator("iframe.phone-screen")
    frame.locator("text=Công chức hướng dẫn rõ ràng, đầy đủ.").wait_for()
    assert frame.locator("text=Xem trước — câu trả lời không được lưu").count() == 1
    assert page.locator("iframe.phone-screen").bounding_box()["width"] <= 390
    page.screenshot(path=str(screenshot_dir / "authoring-preview.png"))
    frame.locator("button:has-text('Gửi câu trả lời')").click()
    frame.locator(".question-invalid").first.wait_for()  # required questions are checked, as for a citizen
    assert Response.objects.count() == 0

    # Publish: the checklist, then the version is frozen.
    page.click("a:has-text('Quay lại phiên bản')")
    page.click("a:has-text('Công bố…')")
    assert "Bản nháp đã đầy đủ" in page.content()
    page.click("button:has-text('Công bố ngay')")
    assert "đã được công bố" in page.content()
    version = SurveyVersion.objects.get(survey__owner=city.ward_a)
    assert version.status == SurveyVersion.Status.PUBLISHED and version.published_by == city.bob
    assert "bob" in page.locator(".audit-table").inner_text()
    page.screenshot(path=str(screenshot_dir / "authoring-published.png"), full_page=True)
    desk.close()

    # A citizen of ward A answers through a receipt, on a phone.
    receipt = make_receipt(city.ward_a)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    citizen = phone.new_page()
    citizen.set_default_timeout(10_000)
    citizen.goto(f"{live_server.url}/r/{receipt.display_code}/")
    assert "Khảo sát Bộ phận Một cửa Phường Ba Đình" in citizen.content()
    rated, choice, text = version.questions.order_by("order")
    citizen.click(f"label[for=id_q{rated.pk}_3]")  # 4: satisfied
    citizen.click(f"label[for=id_q{choice.pk}_1]")  # online
    citizen.fill(f"textarea[name=q{text.pk}]", "Nhanh, gọn.")
    citizen.click("button:has-text('Gửi câu trả lời')")
    citizen.wait_for_url("**/thanks/")
    phone.close()

    response = Response.objects.get(receipt=receipt)
    assert response.version_id == version.pk != standard.pk
    answers = {a.question_id: a for a in response.answers.all()}
    assert answers[rated.pk].value == 4
    assert answers[choice.pk].choice.text_vi == "Trực tuyến"
    assert answers[text.pk].text == "Nhanh, gọn."
