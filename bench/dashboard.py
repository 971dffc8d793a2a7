"""Dashboard benchmark: 1,000 units × 24 months of scores on PostgreSQL; median server time.

    .venv/bin/python bench/dashboard.py                 # starts a throw-away PostgreSQL itself
    .venv/bin/python bench/dashboard.py --database-url postgres://user@host:5432/db   # an existing one
    .venv/bin/python bench/dashboard.py --units 1000 --months 24 --runs 30

It builds a city (root → 30 districts → communes, 1,000 units in all), writes the Score rows a
rollup would (own and subtree scope; months, quarters and years; overall, the five elements and
five procedures per month) with COPY, then times requests through Django's full stack
(middleware, session, permission look-ups, templates) in-process, as an administrator of the
whole city — the largest view. It prints medians and 90th percentiles of the server time and the
query count of each page. Target: ≤ 100 ms median for /compare/ and /units/<code>/.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _months(last: date, count: int) -> list[date]:
    out = []
    index = last.year * 12 + last.month - 1
    for i in range(count - 1, -1, -1):
        j = index - i
        out.append(date(j // 12, j % 12 + 1, 1))
    return out


def build(units: int, months: int) -> dict:
    """The city and its scores; returns what the timed requests need."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from agencies.models import Membership, Procedure, Unit
    from reports.models import Score
    from surveys.standard import ensure_dimensions

    rng = random.Random(2025)
    dims = list(ensure_dimensions().values())
    root = Unit.objects.create(code="01", kind="city", name_vi="Thành phố Hà Nội", name_en="Hanoi")
    districts = [
        Unit.objects.create(code=f"D{i:03d}", kind="district", parent=root, name_vi=f"Quận {i}") for i in range(30)
    ]
    leaves = []
    for i in range(units - 31):
        parent = districts[i % len(districts)]
        kind = "ward" if i % 3 else "commune"
        leaves.append(Unit(code=f"{10000 + i:05d}", kind=kind, parent=parent, name_vi=f"Phường {i}", path="", depth=2))
    created = Unit.objects.bulk_create(leaves)
    for unit in created:
        unit.path = f"{unit.parent.path}{unit.pk}/"
    Unit.objects.bulk_update(created, ["path"], batch_size=1000)
    procedures = [Procedure.objects.create(code=f"1.00{i:04d}", name_vi=f"Thủ tục {i}") for i in range(5)]
    all_units = [root, *districts, *created]

    last = date.today().replace(day=1)
    month_starts = _months(last, months)
    quarters = sorted({date(m.year, 3 * ((m.month - 1) // 3) + 1, 1) for m in month_starts})
    years = sorted({date(m.year, 1, 1) for m in month_starts})
    columns = [
        "unit_id",
        "scope",
        "dimension_id",
        "procedure_id",
        "period_type",
        "period_start",
        "responses",
        "answers",
        "satisfied",
        "not_dissatisfied",
        "dissatisfied",
        "sum_values",
        "sum_x2",
        "sum_y2_sipas",
        "sum_xy_sipas",
        "sum_y2_766",
        "sum_xy_766",
        "mean",
        "index_sipas",
        "ci_low_sipas",
        "ci_high_sipas",
        "index_766",
        "ci_low_766",
        "ci_high_766",
        "enough_responses",
        "change_sipas",
        "change_sipas_significant",
        "change_766",
        "change_766_significant",
        "computed_at",
    ]
    buffer = io.StringIO()
    rows = 0

    def row(unit_id, scope, dim, proc, period_type, start, base):
        nonlocal rows
        responses = max(0, int(rng.gauss(60 if period_type == "month" else 180, 25)))
        index = max(40.0, min(99.0, base + rng.gauss(0, 3)))
        i766 = min(100.0, index + 7)
        half = 3.0 + rng.random() * 3
        change = rng.gauss(0, 3)
        answers = responses * 16
        buffer.write(
            "\t".join(
                str(v)
                for v in (
                    unit_id,
                    scope,
                    dim or r"\N",
                    proc or r"\N",
                    period_type,
                    start.isoformat(),
                    responses,
                    answers,
                    int(answers * index / 100),
                    int(answers * i766 / 100),
                    int(answers * 0.05),
                    answers * 4,
                    answers * 16,
                    0,
                    0,
                    0,
                    0,
                    round(1 + 4 * index / 100, 3),
                    index,
                    index - half,
                    min(100, index + half),
                    i766,
                    i766 - half,
                    min(100, i766 + half),
                    "t" if responses >= 30 else "f",
                    change,
                    "t" if abs(change) > 4 else "f",
                    change,
                    "t" if abs(change) > 4 else "f",
                    "2025-01-01 00:00:00+00",
                )
            )
            + "\n"
        )
        rows += 1

    # As the rollup stores them: a unit without sub-units keeps one row set, scope "both".
    alone = {created_unit.pk for created_unit in created}
    for unit in all_units:
        base = 75 + rng.random() * 15
        for scope in ("both",) if unit.pk in alone else ("own", "subtree"):
            for period_type, starts in (("month", month_starts), ("quarter", quarters), ("year", years)):
                for start in starts:
                    row(unit.pk, scope, None, None, period_type, start, base)
                    for dim in dims:
                        row(unit.pk, scope, dim.pk, None, period_type, start, base)
        for start in month_starts:
            for proc in procedures:
                row(unit.pk, "both" if unit.pk in alone else "subtree", None, proc.pk, "month", start, base)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {Score._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer)
        cursor.execute(f"ANALYZE {Score._meta.db_table}")
        cursor.execute(f"ANALYZE {Unit._meta.db_table}")
    admin = get_user_model().objects.create_user("bench-admin", password="bench-password-123")
    Membership.objects.create(user=admin, unit=root, role="administrator")
    ward_unit = created[len(created) // 2]
    ward_staff = get_user_model().objects.create_user("bench-staff", password="bench-password-123")
    Membership.objects.create(user=ward_staff, unit=ward_unit, role="staff")
    return {
        "admin": admin,
        "staff": ward_staff,
        "root": root,
        "district": districts[0],
        "ward": ward_unit,
        "rows": rows,
        "units": len(all_units),
        "period": f"{month_starts[-2]:%Y-%m}",
    }


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

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        world = build(args.units, args.months)
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
