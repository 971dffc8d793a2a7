"""PostgreSQL stops under a running portal (gunicorn, production settings): every page — the
citizen's, the staff's, the comparison — answers the 503 page with Retry-After, never a 500.
Seen through Chromium, as the issue's load run saw it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import PostgresServer, free_port, missing_server, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "an-unusual-passphrase-" + uuid.uuid4().hex[:8]
SESSION_SCRIPT = (
    "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
    "from django.contrib.sessions.backends.db import SessionStore\n"
    "u = get_user_model().objects.get(username='ops')\n"
    "s = SessionStore()\n"
    "s[SESSION_KEY] = str(u.pk)\n"
    "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
    "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
    "s.create()\n"
    "print(s.session_key)\n"
)
PAGES = [
    "/dashboard/",
    "/compare/",
    "/units/01/",
    "/manage/moderation/",
    "/manage/audit/",
    "/open-data/",
    "/r/ABCD-EFGH-JK/",
]


@pytest.fixture
def portal():
    """A throw-away PostgreSQL with one city administrator, and gunicorn serving the portal on it."""
    server = PostgresServer()
    if server.bindir is None:
        missing_server("PostgreSQL server binaries not found")
    server.start()
    gunicorn = None
    try:
        import psycopg2

        admin = psycopg2.connect(server.url("postgres"))
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE outage")
        admin.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "satisfaction.settings",
            "DATABASE_URL": server.url("outage"),
            "DEBUG": "false",
            "SECRET_KEY": "outage-" + uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "CRITICAL",
            "ADMIN_PW": PASSWORD,
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], check=True, env=env, cwd=ROOT, timeout=300)
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from agencies.models import Unit; Unit.objects.create(code='01', kind='city', name_vi='Hà Nội')",
            ],
            check=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        subprocess.run(
            [
                *manage,
                "add_member",
                "ops",
                "--unit",
                "01",
                "--role",
                "administrator",
                "--password-from-env",
                "ADMIN_PW",
            ],
            check=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            stdout=subprocess.DEVNULL,
        )
        # A signed-in session made on the server's side: DEBUG=false marks the session cookie
        # Secure, which a browser does not store from plain http; the test hands it over itself.
        session = (
            subprocess.run(
                [*manage, "shell", "-c", SESSION_SCRIPT],
                check=True,
                env=env,
                cwd=ROOT,
                timeout=120,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "satisfaction.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port, timeout=60)
        # localhost: Chromium keeps the Secure session cookie of DEBUG=false on it without HTTPS.
        yield server, f"http://localhost:{port}", session
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(10)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        server.stop()


def test_stopping_postgresql_gives_the_503_page_with_retry_after_everywhere(browser, portal, screenshot_dir):
    server, base, session = portal
    context = browser.new_context(locale="vi-VN")
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    response = page.goto(f"{base}/compare/")
    assert response.status == 200 and "/accounts/login/" not in page.url  # signed in, the database up

    server.stop()  # PostgreSQL goes away under the running portal

    for path in PAGES:
        response = page.goto(f"{base}{path}")
        assert response.status == 503, (path, response.status)
        assert response.headers.get("retry-after") == "10", path
        assert "Hệ thống đang bận" in page.content(), path
    page.screenshot(path=str(screenshot_dir / "outage-503.png"), full_page=True)
    context.close()
