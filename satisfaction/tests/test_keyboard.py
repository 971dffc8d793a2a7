"""Keyboard and screen-reader basics on the staff pages, as on the survey: the skip link, a visible
focus on every tab stop, sortable headers that announce their order (aria-sort), charts with a text
summary; and the kiosk's thank-you page, which returns by itself unless someone is using it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== "none";
  const r = el.getBoundingClientRect();
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || "").trim().slice(0, 40),
          visible: outline || shadow, width: r.width, height: r.height};
}"""


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", "--responses", "3000", stdout=StringIO())
    from demo.accounts import demo_accounts

    return {a.role: (a.username, a.password) for a in demo_accounts()}


def _signed_in(browser, base: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return context, page


@pytest.fixture
def manager_page(browser, live_server, demo):
    context, page = _signed_in(browser, live_server.url, *demo["manager"])
    yield page
    context.close()


def test_the_skip_link_comes_first_shows_and_moves_the_focus_to_the_content(manager_page, live_server):
    page = manager_page
    for path in ("/units/00004/", "/compare/", "/manage/moderation/", "/manage/surveys/"):
        page.goto(live_server.url + path)
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE)
        assert page.evaluate("() => document.activeElement.classList.contains('skip-link')"), (path, focused)
        assert focused["width"] > 20 and focused["height"] > 10, f"the skip link stays invisible on {path}"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main", path
        # The next Tab continues inside the content, not back in the menu.
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('main')"), path


def test_every_tab_stop_on_the_staff_pages_shows_where_the_focus_is(manager_page, live_server):
    page = manager_page
    for path in ("/units/00004/", "/compare/", "/manage/moderation/", "/manage/surveys/", "/open-data/"):
        page.goto(live_server.url + path)
        for _ in range(30):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_STYLE)
            if focused is None:
                break
            assert focused["visible"], f"no visible focus on {focused['tag']} {focused['text']!r} at {path}"


def test_sortable_headers_announce_their_order(manager_page, live_server):
    page = manager_page
    page.goto(f"{live_server.url}/compare/")
    sorted_headers = page.locator("[data-testid=compare-table] th[aria-sort]")
    assert sorted_headers.count() == 1
    assert sorted_headers.get_attribute("aria-sort") == "ascending"  # by rank
    page.locator("[data-testid=compare-table] th a[data-sort=responses]").click()
    page.wait_for_load_state()
    header = page.locator("[data-testid=compare-table] th[aria-sort]")
    assert header.count() == 1
    assert header.locator("a").get_attribute("data-sort") == "responses"
    assert header.get_attribute("aria-sort") == "descending"
    # The arrow is for the eye; aria-sort tells a screen reader.
    assert header.locator("[aria-hidden=true]").inner_text() == "↓"


def test_charts_have_a_text_summary(browser, live_server, demo):
    # The city over a whole year of the demo's answers: enough for every element and every month.
    context, page = _signed_in(browser, live_server.url, *demo["administrator"])
    page.goto(f"{live_server.url}/units/01/?period={timezone.localdate().year}")
    for chart in ("chart-dimensions", "chart-trend"):
        described = page.locator(f"#{chart}").get_attribute("aria-describedby")
        summary = page.locator(f"#{described}").inner_text()
        assert "%" in summary and len(summary) > 20, (chart, summary)
    assert page.locator("[data-testid=dimension-table] tbody tr").count() == 5  # the table alternative stays
    context.close()


def test_the_kiosk_thank_you_page_returns_unless_someone_is_using_it(browser, live_server, demo):
    from surveys.models import Kiosk

    kiosk = Kiosk.objects.filter(revoked_at__isnull=True).first()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/k/{kiosk.token}/thanks/")
    page.wait_for_url(f"**/k/{kiosk.token}/", timeout=10_000)

    page.goto(f"{live_server.url}/k/{kiosk.token}/thanks/")
    page.keyboard.press("Shift")
    page.wait_for_timeout(6_500)
    assert page.url.endswith("/thanks/"), "the page left while someone was reading it"
    context.close()
