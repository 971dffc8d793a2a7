"""Moderation list benchmark: /manage/moderation/ as the city administrator, demo size, PostgreSQL.

    .venv/bin/python bench/moderation.py                  # starts a throw-away PostgreSQL itself
    .venv/bin/python bench/moderation.py --responses 100000 --runs 30

It seeds the demo city (`seed_demo --no-rollup`: 100,000 responses and about 1.6M answers by
default) and times requests through Django's full stack in-process, as `admin.hanoi`, who
manages every unit: the moderation list (first page, a later page, comments only, one unit) and
the city dashboard with its comments. Prints median / 90th percentile / best server time and
the query count of each page. Target (issue 19): ≤ 200 ms median for /manage/moderation/.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database (default: start one)")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    server = None
    if args.database_url:
        url = args.database_url
    else:
        from conftest import PostgresServer

        server = PostgresServer()
        server.start()
        env = {"PGHOST": "127.0.0.1", "PGPORT": str(server.port), "PGUSER": "postgres"}
        subprocess.run([str(server.bindir / "createdb"), "thuocdo_bench"], check=True, env={**os.environ, **env})
        url = server.url("thuocdo_bench")
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        DJANGO_SETTINGS_MODULE="satisfaction.settings",
        LOG_LEVEL="ERROR",
    )
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from surveys.models import Answer, Response

        settings.AXES_ENABLED = False
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", "--no-rollup", "--responses", str(args.responses), verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"seeded {Response.objects.count():,} responses, {Answer.objects.count():,} answers "
            f"in {time.perf_counter() - started:.0f}s",
            flush=True,
        )
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {connection.vendor}")
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
        client = Client()
        client.force_login(get_user_model().objects.get(username="admin.hanoi"))
        urls = [
            "/manage/moderation/",
            "/manage/moderation/?page=3",
            "/manage/moderation/?comment=1",
            "/manage/moderation/?unit=00004",
            "/units/01/",
        ]
        print(f"{'page':40} {'median ms':>10} {'p90 ms':>8} {'best ms':>8} {'queries':>8}")
        for url in urls:
            median, p90, best, queries = measure(client, url, args.runs)
            print(f"{url:40} {median:10.1f} {p90:8.1f} {best:8.1f} {queries:8d}", flush=True)
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
