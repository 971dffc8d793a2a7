"""Dashboard benchmark: 1,000 units × 24 months of scores on PostgreSQL; median server time.

    .venv/bin/python bench/dashboard.py                 # starts a throw-away PostgreSQL itself
    .venv/bin/python bench/dashboard.py --database-url postgres://user@host:5432/db   # an existing one
    .venv/bin/python bench/dashboard.py --units 1000 --months 24 --runs 30

It builds a city (root → 30 districts → communes, 1,000 units in all) and writes the Score rows a
rollup would (own and subtree scope; months, quarters and years; overall, the five elements and
five procedures per month) with COPY (`demo.synthetic.scored_city`), then times requests through Django's full stack
(middleware, session, permission look-ups, templates) in-process, as an administrator of the
whole city — the largest view. It prints medians and 90th percentiles of the server time and the
query count of each page. Target: ≤ 100 ms median for /compare/ and /units/<code>/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(client, url: str, runs: int) -> tuple[float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    timings.sort()
    p90 = timings[max(0, int(len(timings) * 0.9) - 1)]
    return statistics.median(timings), p90, timings[0], len(ctx.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database (default: start one)")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of /compare/")
    args = parser.parse_args()
    if args.units < 32 or args.months < 1 or args.runs < 1:
        parser.error("--units must be at least 32, --months and --runs at least 1")

    server = None
    if args.database_url:
        url = args.database_url
    else:
        from conftest import PostgresServer

        server = PostgresServer()
        server.start()
        subprocess_env = {"PGHOST": "127.0.0.1", "PGPORT": str(server.port), "PGUSER": "postgres"}
        import subprocess

        subprocess.run(
            [str(server.bindir / "createdb"), "thuocdo_bench"], check=True, env={**os.environ, **subprocess_env}
        )
        url = server.url("thuocdo_bench")
    # Production-like: DEBUG off (no query log), persistent connections, plain static storage.
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        DJANGO_SETTINGS_MODULE="satisfaction.settings",
        # The 1,000-row comparison export is measured as the immediate download it was; from
        # this many rows up, the site hands an export to the exports queue (issue 16).
        EXPORT_BACKGROUND_MIN_ROWS="1000000",
    )
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        # force_login's bare request has no client address for the sign-in lockout's log; the
        # lockout is not what is measured here.
        settings.AXES_ENABLED = False
        from django.test import Client

        from demo.synthetic import scored_city

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        world = scored_city(args.units, args.months)
        built = time.perf_counter() - started
        print(f"{world['units']} units, {world['rows']:,} Score rows written in {built:.1f}s; period {world['period']}")
        admin, staff = Client(), Client()
        admin.force_login(world["admin"])
        staff.force_login(world["staff"])
        p = world["period"]
        pages = [
            # The fixed cost of any signed-in page (middleware, session, navigation), for reference.
            ("administrator", admin, "/open-data/"),
            ("administrator", admin, f"/compare/?period={p}"),
            ("administrator", admin, f"/compare/?period={p}&sort=dim_access&order=desc&page=3"),
            ("administrator", admin, f"/units/{world['root'].code}/?period={p}"),
            ("administrator", admin, f"/units/{world['district'].code}/?period={p}"),
            ("staff", staff, f"/units/{world['ward'].code}/?period={p}"),
            ("staff", staff, f"/compare/?period={p}"),
            ("administrator", admin, f"/compare/export/csv/?period={p}"),
            ("administrator", admin, f"/api/v1/scores/?period={p}&dimension=all&limit=1000"),
        ]
        print(f"\n{os.cpu_count()} CPUs; load average before timing: {os.getloadavg()[0]:.1f}")
        print("\n| who | page | median ms | p90 ms | min ms | queries |\n|---|---|---:|---:|---:|---:|")
        for who, client, url in pages:
            median, p90, fastest, queries = measure(client, url, args.runs)
            print(f"| {who} | `{url}` | {median:.1f} | {p90:.1f} | {fastest:.1f} | {queries} |")
        print(f"\nload average after timing: {os.getloadavg()[0]:.1f} (other processes inflate every figure)")
        if args.profile:
            import cProfile
            import pstats

            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                admin.get(f"/compare/?period={p}")
            for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:6]:
                print(f"{float(query['time']) * 1000:7.1f} ms  {query['sql'][:150]}")
            profiler = cProfile.Profile()
            profiler.runcall(admin.get, f"/compare/?period={p}")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        if server is not None:
            from django.db import connections

            connections.close_all()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
