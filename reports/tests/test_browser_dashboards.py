"""Dashboards in Chromium at phone and desktop widths: staff dashboard, comparison with sorting, a
filter and an export download, open data as anonymous. Screenshots go to var/screenshots/."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.utils import timezone

from agencies.tests.factories import make_procedure
from reports.models import OpenDataPublication
from reports.periods import Period
from reports.selectors import publication_rows
from reports.tests.factories import make_score, make_unit_scores
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def scored_city(city):
    """Two years of monthly scores for the city, its wards and the one-stop centre, and a few comments."""
    first = date(2024, 11, 1)
    for i in range(24):
        start = date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        make_score(city.root, start=start, index=80 + (i % 5), responses=400)
        if start != date(2025, 10, 1):
            make_score(city.ward_a, start=start, index=78 + (i % 7), responses=60)
    oct_ = date(2025, 10, 1)
    make_unit_scores(city.ward_a, start=oct_, index=88.4, responses=64, change=6.1, significant=True)
    make_unit_scores(city.ward_b, start=oct_, index=79.2, responses=45, change=-1.2)
    make_unit_scores(city.centre_a, start=oct_, index=91.0, responses=35)
    make_unit_scores(city.department, start=oct_, index=95.0, responses=9)
    procedure = make_procedure(code="1.001193", name_vi="Đăng ký khai sinh")
    make_score(city.ward_a, start=oct_, index=90.5, responses=31, procedure=procedure)
    version = make_standard_survey(city.root)
    when = timezone.make_aware(timezone.datetime(2025, 10, 20, 9, 30))
    make_response(version, city.ward_a, [5] * 16, submitted_at=when, comment="Cán bộ hướng dẫn tận tình, nhanh gọn.")
    make_response(version, city.ward_a, [2] * 16, submitted_at=when, comment="Phải chờ lâu, số điện thoại ***.")
    return city


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def _wait_for_charts(page, timeout: float = 10.0) -> None:
    """Polls from Python: the page's Content-Security-Policy forbids the eval behind wait_for_function."""
    import time

    deadline = time.monotonic() + timeout
    drawn = "() => !!(window.Chart && Chart.getChart('chart-dimensions') && Chart.getChart('chart-trend'))"
    while not page.evaluate(drawn):
        assert time.monotonic() < deadline, "charts.js did not draw the charts"
        time.sleep(0.1)


def test_staff_dashboard_on_desktop_and_phone(live_server, browser, scored_city, screenshot_dir):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        _sign_in(page, live_server.url, "alice", scored_city.password)
        page.wait_for_url("**/units/00004/")
        page.goto(f"{live_server.url}/units/00004/?period=2025-10")
        assert page.locator("h1").inner_text() == "Phường Ba Đình"
        assert "88,4" in page.content()
        assert page.locator("[data-testid=responses]").inner_text() == "64"
        # Charts are drawn by the static charts.js from the embedded JSON.
        _wait_for_charts(page)
        assert page.evaluate("() => Chart.getChart('chart-trend').data.datasets.length") == 2
        assert page.locator("[data-testid=dimension-table] tbody tr").count() == 5
        assert "Cán bộ hướng dẫn tận tình" in page.content()
        page.screenshot(path=str(screenshot_dir / f"dashboard-unit-{name}.png"), full_page=True)
        # Comment filter: rating 2 keeps only the unhappy comment.
        page.select_option("#id_rating", "2")
        page.click("#comments button[type=submit]")
        assert "Phải chờ lâu" in page.content() and "Cán bộ hướng dẫn tận tình" not in page.content()
        context.close()


def test_comparison_sorts_filters_and_exports(live_server, browser, scored_city, screenshot_dir):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, live_server.url, "dana", scored_city.password)
    page.goto(f"{live_server.url}/compare/?period=2025-10")
    rows = page.locator("[data-testid=compare-table] tbody tr")
    assert rows.first.get_attribute("data-code") == "00004-BPMC"  # rank 1: 91.0
    assert "▲" in page.content()
    page.screenshot(path=str(screenshot_dir / "dashboard-compare-desktop.png"), full_page=True)

    page.click("[data-testid=compare-table] thead a[data-sort=responses]")
    page.wait_for_url("**sort=responses**")
    codes = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
    assert codes[0] == "01" and codes[-1] == "SO-TP"

    page.select_option("#id_kind", "ward")
    page.click("[data-testid=compare-filters] button[type=submit]")
    page.wait_for_url("**kind=ward**")
    codes = sorted(rows.nth(i).get_attribute("data-code") for i in range(rows.count()))
    assert codes == ["00004", "00008"]

    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    download = info.value
    assert download.suggested_filename == "thuoc-do-so-sanh-2025-10.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    table = list(csv.reader(io.StringIO(text)))
    assert "Chỉ số hài lòng SIPAS (%)" in table[0] and "Kỳ báo cáo" in table[0]
    assert sorted(r[1] for r in table[1:]) == ["00004", "00008"]

    phone = browser.new_context(viewport=PHONE, locale="vi-VN")
    phone_page = phone.new_page()
    _sign_in(phone_page, live_server.url, "dana", scored_city.password)
    phone_page.goto(f"{live_server.url}/compare/?period=2025-10")
    phone_page.screenshot(path=str(screenshot_dir / "dashboard-compare-phone.png"), full_page=True)
    phone.close()
    context.close()


def test_open_data_as_anonymous_on_a_phone(live_server, browser, scored_city, screenshot_dir):
    period = Period.parse("2025-10")
    OpenDataPublication.objects.create(
        unit=scored_city.root,
        period_type=period.type,
        period_start=period.start,
        status=OpenDataPublication.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=scored_city.dana,
        rows=publication_rows(unit=scored_city.root, period=period),
        note="Kỳ báo cáo tháng 10/2025.",
    )
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/open-data/")
    page.click("[data-testid=open-data-list] a >> nth=0")
    page.wait_for_url("**/open-data/01/2025-10/")
    table = page.locator("[data-testid=open-data-table] tbody tr")
    assert table.nth(0).inner_text().strip() == "phường, xã, đặc khu"  # ranked among peers only
    assert "Phường Ba Đình" in table.nth(1).inner_text()
    assert "Chưa đủ số phiếu" in page.content() or "Not enough" in page.content()
    page.screenshot(path=str(screenshot_dir / "open-data-phone.png"), full_page=True)
    context.close()
