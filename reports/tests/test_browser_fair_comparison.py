"""In Chromium, the administrator sees the funnel plot, the classes and rank ranges, the map and the
response rates on /compare/ (issue 17's "Done when"). Screenshots go to var/screenshots/."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reports.tests.test_fair_comparison import OCT, score  # noqa: F401 (OCT documents the period)
from surveys.tests.factories import make_receipt

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOUNDARIES = "agencies/data/boundaries/hanoi-2025-wards.geojson"


@pytest.fixture
def fair_city(city):
    score(city.root, 500, 400)
    score(city.ward_a, 101, 91)  # above
    score(city.ward_b, 101, 70)  # below
    score(city.centre_a, 41, 33)  # as expected
    score(city.department, 10, 10)  # not enough answers
    from datetime import datetime

    from django.utils import timezone

    at = timezone.make_aware(datetime(2025, 10, 10, 9, 0))
    for i in range(4):
        r = make_receipt(city.ward_b, issued_at=at)
        if i == 0:
            r.used_at = at
            r.save()
    # The demo's real boundaries: ward A (00004) and ward B (00008) are Ba Đình and Ngọc Hà.
    call_command("load_boundaries", BOUNDARIES, stdout=io.StringIO(), stderr=io.StringIO())
    return city


def test_the_administrator_sees_funnel_classes_rank_ranges_map_and_response_rates(
    live_server, browser, fair_city, screenshot_dir
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", fair_city.password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/units/01/")
    page.goto(f"{live_server.url}/compare/?period=2025-10")

    funnel = page.locator("[data-testid=funnel-plot] svg")
    assert funnel.is_visible()
    assert funnel.locator("g.fp-above").count() == 1 and funnel.locator("g.fp-below").count() == 1
    names = funnel.locator("text.fp-name").all_text_contents()  # units outside the limits, named
    assert "Phường Ba Đình" in names and "Phường Ngọc Hà" in names
    ward_a = page.locator("[data-testid=compare-table] tr[data-code='00004']")
    assert "Cao hơn kỳ vọng" in ward_a.locator("[data-testid=classification]").inner_text()
    assert ward_a.locator("[data-testid=rank-range]").inner_text().strip()
    ward_b = page.locator("[data-testid=compare-table] tr[data-code='00008']")
    assert "25,0" in ward_b.locator("[data-testid=response-rate]").inner_text()  # 1 of 4, below the floor
    assert ward_b.locator(".low-coverage").count() == 1

    area = page.locator("[data-testid=map] path[data-code='00004']")
    assert area.get_attribute("data-class") == "above" and area.is_visible()
    assert page.locator("[data-testid=map] path[data-code='00008']").get_attribute("data-class") == "below"
    page.screenshot(path=str(screenshot_dir / "compare-funnel-map-desktop.png"), full_page=True)

    page.goto(f"{live_server.url}/units/01/?period=2025-10")
    assert page.locator("[data-testid=coverage]").is_visible()
    assert page.locator("[data-testid=yardstick]").is_visible()
    assert page.locator("#children-funnel-title").count() == 1
    page.screenshot(path=str(screenshot_dir / "unit-coverage-desktop.png"), full_page=True)
    context.close()
