"""Security headers: a Content-Security-Policy without inline script on every page, and pages that still
work under it in Chromium (no violation reported, no script error); production headers via check --deploy."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def test_policy_refuses_inline_script_and_foreign_origins():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    for name in ("script-src", "style-src"):
        assert directives[name] == ["'self'"], name
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_every_page_carries_the_policy(client):
    for url in ("/", "/accounts/login/", "/open-data/", "/api/v1/docs/", "/admin/login/"):
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        assert "frame-ancestors 'self'" in policy, url


def test_templates_hold_no_inline_script_or_event_handler():
    """Inline code would be refused by the policy; keep it out of our templates altogether."""
    inline_script = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE
    )
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or re.search(r"javascript:", text, re.IGNORECASE):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --------------------------------------------------------------------------- in Chromium

# Registered before any page script: every violation the browser reports is kept for the test to read.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || ''));
});
"""


@pytest.fixture
def site(city):
    """Everything the main pages need: scores, a survey with a receipt, a kiosk, a superuser."""
    from agencies.tests.factories import make_service_point
    from reports.tests.factories import make_unit_scores
    from surveys.manage.services import kiosk_register
    from surveys.tests.factories import (
        make_receipt,
        make_response,
        make_standard_survey,
    )

    oct_ = date(2025, 10, 1)
    for unit in (city.root, city.ward_a, city.ward_b):
        make_unit_scores(unit, start=oct_, index=84, responses=60)
    version = make_standard_survey(city.root)
    make_response(version, city.ward_a, [4] * version.questions.count(), comment="ổn")
    receipt = make_receipt(city.ward_a)
    kiosk = kiosk_register(service_point=make_service_point(city.ward_a), label="Quầy 1")
    # A burst from one client: flagged for review on the moderation page; and a few audit events.
    from datetime import timedelta

    from django.utils import timezone

    from reports import abuse
    from surveys.models import Response

    start = timezone.now() - timedelta(minutes=30)
    burst = [
        make_response(version, city.ward_a, [2] * 16, channel="link", submitted_at=start + timedelta(minutes=i))
        for i in range(6)
    ]
    Response.objects.filter(pk__in=[r.pk for r in burst]).update(client_hash="same-phone")
    abuse.detect()
    kiosk_register(service_point=make_service_point(city.ward_b), label="Quầy 2", user=city.dana)
    city.dana.is_staff = city.dana.is_superuser = True
    city.dana.save()
    city.receipt, city.kiosk, city.version = receipt, kiosk, version
    return city


@pytest.mark.browser
@pytest.mark.slow
def test_main_pages_run_under_the_policy_in_chromium(live_server, browser, site, screenshot_dir):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

    def visit(path: str, ready: str | None = None) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        if ready:
            page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__csp")
        csp_console = [line for line in console if "Content Security Policy" in line or "pageerror" in line]
        assert violations == [] and csp_console == [], (path, violations, csp_console)

    # Citizens: home, a receipt's survey, the kiosk (its script starts the offline loop).
    visit("/")
    visit(f"/r/{site.receipt.display_code}/", "form")
    visit(f"/k/{site.kiosk.token}/", "form")
    visit("/open-data/")
    # Five wrong passwords for alice from this browser: the lockout page, in Vietnamese.
    for _ in range(5):
        page.goto(base + "/accounts/login/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "wrong")
        page.click("main button[type=submit]")
    page.wait_for_selector("text=Tạm dừng đăng nhập")
    page.screenshot(path=str(screenshot_dir / "security-lockout.png"))
    # Staff (dana administers the whole city and is a superuser for the admin).
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", site.password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/(dashboard|units)/.*"))
    visit("/dashboard/")
    visit("/units/01/?period=2025-10", "canvas")
    page.screenshot(path=str(screenshot_dir / "security-csp-unit-dashboard.png"))
    visit("/compare/?period=2025-10")
    visit("/manage/")
    visit("/manage/surveys/")
    visit(f"/manage/surveys/{site.version.survey_id}/")
    visit("/manage/moderation/", "[data-testid=flags-table]")
    page.screenshot(path=str(screenshot_dir / "security-moderation-flags.png"), full_page=True)
    visit("/manage/audit/", "[data-testid=audit-table]")
    page.screenshot(path=str(screenshot_dir / "security-audit-log.png"))
    visit("/manage/kiosks/")
    visit("/admin/")
    visit("/admin/agencies/unit/")
    visit(f"/admin/agencies/unit/{site.ward_a.pk}/change/")
    visit("/api/v1/docs/", ".swagger-ui .info")
    page.screenshot(path=str(screenshot_dir / "security-csp-api-docs.png"))
    assert page.locator(".opblock").count() > 0  # the operations rendered: the split script ran
    # And the policy bites: a script injected into the page (as stored XSS would be) does not run, and is reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    context.close()


# --------------------------------------------------------------------------- production settings

PRODUCTION_PROBE = """
import json
from django.test import Client
from django.conf import settings
response = Client().get("/accounts/login/", secure=True, HTTP_HOST="thuocdo.example.vn")
plain = Client().get("/accounts/login/", HTTP_HOST="thuocdo.example.vn")
print(json.dumps({"status": response.status_code, "headers": dict(response.headers),
                  "plain_status": plain.status_code, "plain_location": plain.headers.get("Location", ""),
                  "cookie_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
                  "csrf_cookie": response.cookies["csrftoken"]["secure"] if "csrftoken" in response.cookies else None}))
"""


def test_production_sends_hsts_frame_referrer_and_secure_cookies(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG")}
    env.update(
        DEBUG="false",
        SECRET_KEY="p" * 60,
        ALLOWED_HOSTS="thuocdo.example.vn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = probe["headers"]
    assert probe["status"] == 200
    assert probe["plain_status"] == 301 and probe["plain_location"].startswith("https://")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert probe["cookie_secure"] == [True, True] and probe["csrf_cookie"] is True
