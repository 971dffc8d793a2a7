"""Accessibility, checked and not hoped for: axe-core (bundled by axe-playwright-python) on every page
a person can reach, in Vietnamese and English, on a phone (390 px) and a desktop (1280 px).

The data is the demo city (`seed_demo`, small), so every page shows what a newcomer sees. Citizens'
pages are listed (home, a wrong code, the survey and its error summary, thanks, every refusal,
"too many tries", the kiosk and its thanks, the open link, 404 and 403); staff pages are found by
following the links each persona sees after signing in (staff, manager, administrator), one page
per URL name, plus password change and the signed-out page. Zero serious or critical violations;
each violation is listed with its page, rule and selector. The page list is written to
var/accessibility/report.txt and printed at the end of the session (conftest.py).
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import timezone

from conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
LANGUAGES = {"vi": "vi-VN", "en": "en-US"}
SERIOUS = {"serious", "critical"}
# Structure a screen reader relies on, failed at any impact: one h1, headings in order, a main
# landmark, a way to skip the menu.
STRUCTURE_RULES = {"page-has-heading-one", "heading-order", "empty-heading", "landmark-one-main", "bypass"}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
}
# Never followed: they change state, are not HTML pages, or are third-party (Django admin, Swagger UI).
SKIP_URL_NAMES = {
    "logout",
    "set_language",
    "healthz",
    "surveys:receipt_qr",
    "manage:kiosk_qr",
    "surveys:kiosk_submit",
    "reports:unit_export",
    "reports:compare_export",
    "reports:open_data_csv",
}
SKIP_PREFIXES = ("/admin/", "/api/", "/static/")
# What each persona must at least have reached: a page missing from the walk fails the test.
EXPECTED = {
    "staff": {"reports:unit", "manage:survey_list", "reports:open_data", "password_change"},
    "manager": {
        "reports:unit",
        "reports:compare",
        "manage:moderation",
        "manage:moderation_detail",
        "manage:survey_list",
        "manage:version",
        "manage:version_edit",
        "manage:question_add",
        "manage:version_preview",
        "manage:receipts",
        "manage:kiosks",
        "manage:kiosk",
        "manage:tokens",
        "reports:open_data_detail",
        "password_change",
    },
    "administrator": {
        "reports:unit",
        "reports:compare",
        "manage:moderation",
        "manage:audit_log",
        "manage:open_data",
        "reports:open_data_detail",
        "manage:survey_create",
        "password_change",
    },
}
MAX_PAGES = 60


@dataclass
class Sweep:
    pages: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    runs: int = 0


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo city, small: a few thousand answers, the rollup, the showcase (open data, flags…)."""
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", "--responses", "3000", stdout=StringIO())
    from demo.accounts import demo_accounts

    return {a.role: (a.username, a.password) for a in demo_accounts()}


def _citizen_pages() -> list[tuple[str, str]]:
    """(label, path) of the citizens' pages, from the demo's own receipts and kiosks."""
    from demo.catalogue import DEMO_WARD
    from surveys.models import Kiosk, Receipt

    now = timezone.now()
    fresh = Receipt.objects.filter(unit__code=DEMO_WARD, used_at__isnull=True, expires_at__gt=now).first()
    used = Receipt.objects.filter(unit__code=DEMO_WARD, response__isnull=False).first()
    expired = Receipt.objects.filter(used_at__isnull=True, expires_at__lt=now - timedelta(days=1)).first()
    kiosk = Kiosk.objects.filter(service_point__unit__code=DEMO_WARD, revoked_at__isnull=True).first()
    assert fresh and used and expired and kiosk, "the demo lacks a receipt or kiosk the walk needs"
    return [
        ("home", "/"),
        ("survey", f"/r/{fresh.code}/"),
        ("thanks", f"/r/{used.code}/thanks/"),
        ("refused: used", f"/r/{used.code}/"),
        ("refused: expired", f"/r/{expired.code}/"),
        ("refused: unknown", "/r/ZZZZ-ZZZZ-ZZ/"),
        ("kiosk", f"/k/{kiosk.token}/"),
        ("kiosk thanks", f"/k/{kiosk.token}/thanks/"),
        ("kiosk unavailable", "/k/no-such-kiosk/"),
        ("open link", f"/s/chuan/{DEMO_WARD}/"),
        ("open link thanks", f"/s/chuan/{DEMO_WARD}/thanks/"),
        ("login", "/accounts/login/"),
        ("open data", "/open-data/"),
        ("404", "/no-such-page/"),
    ]


def _url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


class Checker:
    """Runs axe on a page at both widths (resizing, not reloading) and collects what it finds."""

    def __init__(self, base: str, axe, report: Sweep):
        self.base, self.axe, self.report = base, axe, report
        self.slowest: list[tuple[float, str]] = []

    def check(self, page, label: str, tag: str, lang: str) -> None:
        html_lang = page.evaluate("() => document.documentElement.lang")
        assert html_lang.startswith(lang), f"{tag} {label}: <html lang={html_lang!r}>, expected {lang}"
        current = str(page.viewport_size["width"])
        for width in (current, *(w for w in VIEWPORTS if w != current)):
            if width != current:
                page.set_viewport_size(VIEWPORTS[width])
                page.wait_for_timeout(250)  # static/js/a11y.js re-checks scrolling tables after a resize
            started = time.monotonic()
            results = self._axe(page)
            self.slowest.append((time.monotonic() - started, f"{label} {width}px"))
            self.report.runs += 1
            for violation in results["violations"]:
                if violation["impact"] not in SERIOUS and violation["id"] not in STRUCTURE_RULES:
                    continue
                for node in violation["nodes"]:
                    summary = (node.get("failureSummary") or "").strip().splitlines()
                    self.report.violations.append(
                        f"[{lang} {width}px] {tag} {label}: {violation['id']} ({violation['impact']}) at "
                        f"{' '.join(map(str, node['target']))} — {summary[-1].strip() if summary else ''}"
                    )

    def _axe(self, page) -> dict:
        """axe.run on the document; the bundled axe-core script is injected once per page load."""
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe.axe_script)
        return page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)

    def visit(self, page, label: str, path: str, tag: str, lang: str) -> None:
        page.goto(self.base + path)
        if label == "kiosk thanks":
            page.keyboard.press("Shift")  # someone is reading: the page must not return to the survey
        self.check(page, label, tag, lang)


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href], iframe[src]", "els => els.map(e => e.href || e.src).filter(h => h && !h.startsWith('javascript'))"
    )
    return [h.split("#")[0] for h in hrefs]


def _discover(page, base: str, start: list[str], on_page) -> list[tuple[str, str]]:
    """Breadth-first over the links a signed-in person sees: one page per URL name, each checked
    by `on_page(name, path)` while it is open."""
    host = urlsplit(base).netloc
    seen_names: set[str] = set()
    found: list[tuple[str, str]] = []
    queue = deque(start)
    while queue and len(found) < MAX_PAGES:
        href = queue.popleft()
        parts = urlsplit(href if "://" in href else base + href)
        if parts.netloc != host or parts.path.startswith(SKIP_PREFIXES):
            continue
        name = _url_name(parts.path)
        if name is None or name in SKIP_URL_NAMES or name in seen_names:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = page.goto(base + path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        seen_names.add(name)
        landed = urlsplit(page.url)
        landed_path = landed.path + (f"?{landed.query}" if landed.query else "")
        if landed_path != path and any(p == landed_path for _n, p in found):
            continue  # a redirect to a page already checked (e.g. /dashboard/ → the person's unit)
        found.append((name, path))
        links = _links(page)
        on_page(name, path)
        queue.extend(links)
    return found


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def _citizen_sweep(page, checker: Checker, pages: list[tuple[str, str]], tag: str, lang: str) -> None:
    for label, path in pages:
        checker.visit(page, label, path, tag, lang)
        if label == "home":
            # A wrong code typed into the box: the form comes back with its error.
            page.fill("input[name=code]", "ABC")
            page.click("form[action$='/code/'] button[type=submit]")
            page.wait_for_load_state()
            checker.check(page, "home: wrong code", tag, lang)
        elif label == "survey":
            # Sent with nothing answered: the error summary and the marked questions.
            page.click("form.survey-form button[type=submit]")
            page.wait_for_load_state()
            checker.check(page, "survey: errors", tag, lang)
    # Too many wrong codes: the cool-down page. Then the limit is lifted for the next sweep.
    for _ in range(12):
        response = page.goto(f"{checker.base}/r/ZZZZ-ZZZZ-ZZ/")
        if response.status == 429:
            break
    assert response.status == 429, "the wrong-code limit never answered 429"
    checker.check(page, "too many tries", tag, lang)
    cache.clear()


def _check_open_page(checker: Checker, page, role: str, lang: str, name: str, path: str) -> None:
    checker.check(page, f"{path} ({name})", role, lang)


def _export_pages(username: str) -> list[tuple[str, str]]:
    """(label, path) of the export status page of `username`'s jobs: waiting, being built, ready,
    failed, and expired (the 410 page). Made once per user; the pages need no file."""
    from django.contrib.auth import get_user_model

    from agencies.permissions import visible_units
    from reports import export_jobs
    from reports.models import ExportJob

    user = get_user_model().objects.get(username=username)
    jobs = ExportJob.objects.filter(user=user).order_by("created_at")
    if not jobs.exists():
        unit = visible_units(user).order_by("depth", "path").first()
        later = timezone.now() + timedelta(hours=24)
        states = {
            "waiting": {"status": "pending"},
            "being built": {"status": "running", "progress": 55},
            "ready": {"status": "ready", "progress": 100, "rows": 1834, "size": 245_760, "file": "exports/x.xlsx"},
            "failed": {"status": "failed", "error": export_jobs.NOT_BUILT},
            "expired": {"status": "expired", "expires_at": timezone.now() - timedelta(hours=1)},
        }
        for label, fields in states.items():
            ExportJob.objects.create(
                **{
                    "id": uuid.uuid4(),
                    "user": user,
                    "kind": "unit",
                    "fmt": "xlsx",
                    "unit": unit,
                    "params": {"period": ["2025-10"]},
                    "filename": f"thuoc-do-{unit.code}-2025-10-{label.replace(' ', '-')}",
                    "expires_at": later,
                    **fields,
                }
            )
    return [(f"export {job.filename.split('2025-10-')[-1].replace('-', ' ')}", f"/exports/{job.pk}/") for job in jobs]


def _context(browser, base: str, lang: str):
    """A fresh browser context in `lang` (the language cookie: the site is Vietnamese first and
    ignores Accept-Language), opening at desktop width."""
    from django.conf import settings

    context = browser.new_context(viewport=VIEWPORTS["1280"], locale=LANGUAGES[lang])
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_every_page_has_no_serious_or_critical_axe_violation(live_server, browser, demo):
    from axe_playwright_python.sync_playwright import Axe

    started = time.monotonic()
    report = Sweep()
    base = live_server.url
    checker = Checker(base, Axe(), report)
    citizen = _citizen_pages()
    personas = [(role, *demo[role]) for role in ("staff", "manager", "administrator")]
    walked: dict[str, list[tuple[str, str]]] = {}
    for lang in LANGUAGES:
        context, page = _context(browser, base, lang)
        _citizen_sweep(page, checker, citizen, "citizen", lang)
        context.close()
        for role, username, password in personas:
            context, page = _context(browser, base, lang)
            _sign_in(page, base, username, password)
            if role not in walked:
                start = [page.url, "/dashboard/", "/manage/", "/accounts/password_change/"]
                if role == "administrator":
                    start += ["/units/01/", "/manage/open-data/"]
                walked[role] = _discover(page, base, start, partial(_check_open_page, checker, page, role, lang))
                missing = EXPECTED[role] - {name for name, _path in walked[role]}
                assert not missing, f"{role} never reached {sorted(missing)}"
            else:
                for name, path in walked[role]:
                    checker.visit(page, f"{path} ({name})", path, role, lang)
            checker.visit(page, "/accounts/password_change/done/", "/accounts/password_change/done/", role, lang)
            if role == "staff":
                # A staff member on an administrator's page: the 403 page.
                page.goto(f"{base}/manage/audit/")
                checker.check(page, "403 (/manage/audit/)", role, lang)
                # A background export's status page in each state, and the page of an expired link.
                for label, path in _export_pages(username):
                    response = page.goto(base + path)
                    assert response.status == (410 if label.endswith("expired") else 200), (label, response.status)
                    checker.check(page, f"{path} ({label})", role, lang)
                    walked.setdefault("exports", [])
                    if (label, path) not in walked["exports"]:
                        walked["exports"].append((label, path))
            if page.is_visible(".navbar-toggler"):  # the phone menu is collapsed
                page.click(".navbar-toggler")
            page.click("nav form[action$='/logout/'] button[type=submit]")
            page.wait_for_load_state()
            checker.check(page, "signed out", role, lang)
            context.close()

    lines = ["Pages checked by axe-core (each in vi and en, at 390 px and 1280 px):"]
    lines += [f"  citizen        {label}: {path}" for label, path in citizen]
    for role, pages in walked.items():
        lines += [f"  {role:<14} {name}: {path}" for name, path in pages]
    lines.append(
        f"{report.runs} axe runs in {time.monotonic() - started:.0f}s; "
        f"{len(report.violations)} serious or critical violation(s)."
    )
    lines.append("Slowest axe runs: " + ", ".join(f"{label} {t:.1f}s" for t, label in sorted(checker.slowest)[-5:]))
    lines += ["  " + v for v in report.violations]
    out = ROOT / "var" / "accessibility"
    out.mkdir(parents=True, exist_ok=True)
    Path(out / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not report.violations, "\n".join(lines)
