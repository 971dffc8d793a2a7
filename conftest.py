"""Test session set-up: translations, real servers (PostgreSQL, Redis, Chromium), personas.

The suite runs on SQLite by default. `pytest --postgres` runs the session against a real
PostgreSQL that this file starts itself (initdb + pg_ctl in a temporary directory, on a free
loopback port, as the `postgres` user when we are root). Tests marked `postgres` need that
session and are deselected in the SQLite one; tests marked `anydb` run in both.

Where a server binary is missing, its tests skip with the reason — except with CI=true, where a
missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Playwright's sync API runs an event loop in the test thread; the ORM calls that tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests run on shared two-core machines beside a second pytest process: a per-example
# time limit measures the machine's load, not the code, so no hypothesis test has a deadline.
hypothesis_settings.register_profile("thuoc_do", deadline=None)
hypothesis_settings.load_profile("thuoc_do")

sys.path.insert(0, str(ROOT))
from scripts.compile_translations import compile_all

compile_all()


def missing_server(reason: str):
    """Skip locally; fail in CI, where every server must be there."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PostgresServer:
    """A throw-away PostgreSQL cluster in a temporary directory on a free loopback port."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.port = free_port()
        self.datadir: Path | None = None
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> None:
        if self.bindir is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        base = Path(tempfile.mkdtemp(prefix="thuocdo-pg-"))
        self.datadir = base / "data"
        self.datadir.mkdir()
        if self.as_root:
            shutil.chown(base, "postgres", "postgres")
            shutil.chown(self.datadir, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            options,
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        if self.datadir is None:
            return
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.datadir.parent, ignore_errors=True)
        self.datadir = None

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


_postgres: PostgresServer | None = None


def pytest_addoption(parser):
    parser.addoption(
        "--postgres",
        action="store_true",
        default=False,
        help="Run the session on a real PostgreSQL started for it (tests marked postgres or anydb).",
    )


def pytest_configure(config):
    global _postgres
    for marker in (
        "postgres: needs the PostgreSQL session (pytest --postgres)",
        "anydb: runs in both the SQLite and the PostgreSQL session",
        "redis: starts a real redis-server",
        "worker: starts a real celery worker",
        "browser: drives headless Chromium with Playwright",
        "slow: takes more than a few seconds",
    ):
        config.addinivalue_line("markers", marker)
    from django.conf import settings

    # Hashing test passwords with PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not config.getoption("--postgres"):
        return
    server = PostgresServer()
    try:
        server.start()
    except (FileNotFoundError, subprocess.SubprocessError, OSError) as exc:
        message = f"PostgreSQL could not be started: {exc}"
        if getattr(exc, "stderr", None):
            message += "\n" + exc.stderr.decode(errors="replace")
        if IN_CI:
            raise pytest.UsageError("CI=true and " + message) from exc
        config.issue_config_time_warning(pytest.PytestWarning(message + " — postgres tests will skip"), 2)
        config._thuocdo_pg_missing = message
        return
    _postgres = server
    os.environ["DATABASE_URL"] = server.url("thuocdo")
    from django.db import connections

    db = settings.DATABASES["default"]
    db.clear()
    db.update(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "thuocdo",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(server.port),
            "CONN_MAX_AGE": 0,
            "TEST": {"NAME": "test_thuocdo"},
        }
    )
    # The handler caches the configured dicts and may already hold an SQLite wrapper.
    connections.__dict__.pop("settings", None)
    try:
        connections["default"].close()
        del connections["default"]
    except AttributeError:
        pass


_SESSION_STARTED = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The accessibility walk's page list and findings (satisfaction/tests/test_accessibility.py),
    shown in every run that ran it, CI included (xdist workers' own output is not shown)."""
    report = ROOT / "var" / "accessibility" / "report.txt"
    if report.exists() and report.stat().st_mtime >= _SESSION_STARTED:
        terminalreporter.section("accessibility: axe-core on every page")
        terminalreporter.write(report.read_text(encoding="utf-8"))


def pytest_unconfigure(config):
    global _postgres
    if _postgres is not None:
        _postgres.stop()
        _postgres = None


def pytest_collection_modifyitems(config, items):
    pg_session = config.getoption("--postgres")
    keep, dropped = [], []
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        if pg_session:
            (keep if marks & {"postgres", "anydb"} else dropped).append(item)
        else:
            (dropped if "postgres" in marks else keep).append(item)
        if pg_session and getattr(config, "_thuocdo_pg_missing", None):
            item.add_marker(pytest.mark.skip(reason=config._thuocdo_pg_missing))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The session's PostgreSQL (only in `pytest --postgres`)."""
    if _postgres is None:
        missing_server("this test needs the PostgreSQL session (pytest --postgres)")
    return _postgres


@pytest.fixture
def test_database_url(postgres_server, settings) -> str:
    """A DATABASE_URL for subprocesses (worker, gunicorn) that reaches the test database."""
    return postgres_server.url(settings.DATABASES["default"]["NAME"])


# --------------------------------------------------------------------------- Redis


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a free loopback port; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_server("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="thuocdo-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
            "--protected-mode",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- Chromium

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, headless."""
    path = chromium_path()
    if path is None:
        missing_server("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def screenshot_dir() -> Path:
    path = ROOT / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- personas


@pytest.fixture
def city(db):
    from agencies.tests.factories import make_city

    return make_city()
