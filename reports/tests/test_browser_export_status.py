"""A large export in Chromium: the unit page sends the user to the status page, the page follows the
job by itself (our own script, no meta refresh) and offers the file when it is ready.
Screenshots go to var/screenshots/."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from reports import export_jobs
from reports.models import ExportJob
from reports.tests.factories import make_unit_scores
from reports.tests.test_browser_dashboards import DESKTOP, PHONE, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def large(city, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORT_BACKGROUND_MIN_ROWS = 1
    make_unit_scores(city.ward_a, start=date(2025, 10, 1), index=88.4, responses=64)
    return city


def _until(page, script: str, timeout: float = 15.0) -> None:
    """Polls from Python: the Content-Security-Policy forbids the eval behind wait_for_function."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(script):
                return
        except Error:  # the page reloads itself once the job is done
            pass
        assert time.monotonic() < deadline, f"never true: {script}"
        time.sleep(0.2)


def test_a_large_export_leads_to_its_status_page_and_the_file(live_server, browser, large, screenshot_dir):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    _sign_in(page, live_server.url, "alice", large.password)
    page.goto(f"{live_server.url}/units/00004/?period=2025-10")
    page.click("a[data-export=xlsx]")
    page.wait_for_url("**/exports/*/")
    job = ExportJob.objects.get()
    assert page.url.endswith(f"/exports/{job.pk}/")
    link = page.locator("[data-testid=export-download]")
    assert link.is_visible()  # embedded mode: built in-process, ready at once
    page.screenshot(path=str(screenshot_dir / "export-ready-desktop.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "thuoc-do-00004-2025-10.xlsx"
    context.close()


def test_the_status_page_follows_the_job_until_the_link_appears(live_server, browser, large, screenshot_dir):
    job = ExportJob.objects.create(
        id=uuid.uuid4(),
        user=large.alice,
        kind="unit",
        fmt="csv",
        unit=large.ward_a,
        params={"period": ["2025-10"]},
        expires_at=timezone.now() + timedelta(hours=1),
    )
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, live_server.url, "alice", large.password)
    page.goto(f"{live_server.url}/exports/{job.pk}/")
    assert page.locator("[data-testid=export-download]").count() == 0
    ExportJob.objects.filter(pk=job.pk).update(status="running", progress=60)
    _until(page, "() => document.getElementById('export-progress').value === 60")
    assert "60%" in page.locator("#export-message").inner_text()
    page.screenshot(path=str(screenshot_dir / "export-running-phone.png"), full_page=True)
    export_jobs.export_job_build(job_id=str(job.pk))
    _until(page, "() => !!document.querySelector('[data-testid=export-download]')")
    page.screenshot(path=str(screenshot_dir / "export-ready-phone.png"), full_page=True)
    context.close()
