"""Rollup benchmark: full recompute against the SQL floor and a naive pandas rollup; incremental.

    .venv/bin/python bench/rollup.py --small          # CI: < 1 minute
    .venv/bin/python bench/rollup.py                  # 1M responses x 10 rated answers, 1,000 units
    .venv/bin/python bench/rollup.py --responses 300000 --units 1000
    .venv/bin/python bench/rollup.py --sqlite --responses 100000 --questions 16   # the demo's scale

On PostgreSQL (default) it starts a throw-away server like the test suite's. Data are generated
inside the database by the demo app's `demo.synthetic` (INSERT … SELECT over generate_series: a
bulk insert, no Python loop):
units in a three-level tree, 20 procedures, a survey of N rated questions over the five
dimensions, responses spread over the 12 months of 2025, ~5% "not applicable", a few open-link
and excluded responses. Then, in the same run:

  history 1: 10% of the responses (≈ 1M answers at full size)
    (d1) incremental after adding one day of ~3,000 responses
  history 2: all the responses (≈ 10M answers)
    (b)  floor: one SQL statement computing the same base-level sums from what the rollup reads,
         the per-response sums (issue 15); and, for comparison, from the raw answers as before
    (a)  full recompute (the production service: base sums + every Score row), and once more
         after the incremental run below, as the nightly run repeats it
    (c)  naive pandas: read all answers into pandas, group by (in a child process)
    (d2) incremental after adding one day of ~3,000 responses
    (e)  peak RSS of this process (which ran every rollup)

and prints the figures, ratios and targets (full ≤ 1.5 × floor; ≥ 10 × faster than pandas;
incremental ≤ 1 s and flat; RSS ≤ 300 MB). Exit status 1 when a check of the results fails
(the full and incremental Score tables must agree).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- data
# The city and its responses come from the demo app (demo.synthetic: make_world, add_responses,
# age_changes), which generates them inside the database.


NATIONAL_DATA = ROOT.parent / "shared" / "data" / "vn-admin-units-2025" / "merges.json"


def counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM surveys_response")
        responses = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM surveys_answer")
        answers = cursor.fetchone()[0]
    return responses, answers


# --------------------------------------------------------------------------- measurements


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def floor(source: str = "sums") -> int:
    """The same base-level sums as DaySum in one SQL statement: from what the rollup reads, the
    per-response sums (`sums`: base_select_sql, two GROUP BYs over one table), or from the raw
    answers as before issue 15 (`answers`: base.answers_select_sql, for comparison)."""
    from django.db import connection

    from reports.rollup import base

    base_select_sql = base.base_select_sql if source == "sums" else base.answers_select_sql

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET work_mem = '256MB'")
        sums = ", ".join(
            f"SUM(b.{c})"
            for c in (
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
            )
        )
        cursor.execute(f"SELECT COUNT(*), {sums} FROM ({base_select_sql()}) b")
        rows = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            cursor.execute("RESET work_mem")
    return rows


def table_sizes() -> dict:
    """Table and index sizes (MB) of what a year costs: answers, per-response sums, day sums, scores."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in ("surveys_response", "surveys_answer", "surveys_responsesum", "reports_daysum", "reports_score"):
            cursor.execute("SELECT pg_table_size(%s) / 1048576.0, pg_indexes_size(%s) / 1048576.0", [table, table])
            data, indexes = cursor.fetchone()
            sizes[table] = {"table": round(float(data), 1), "indexes": round(float(indexes), 1)}
    return sizes


NAIVE = r"""
import sys, time, resource, os
import pandas as pd
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction.settings")
import django; django.setup()
from django.db import connection
started = time.perf_counter()
with connection.cursor() as c:
    c.execute("SELECT r.id, r.unit_id, r.procedure_id, r.submitted_at, q.dimension_id, a.value "
              "FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
              "JOIN surveys_question q ON q.id = a.question_id "
              "WHERE a.kind = 'rating' AND a.value IS NOT NULL AND NOT r.excluded AND r.channel <> 'link'")
    df = pd.DataFrame(c.fetchall(), columns=["rid", "unit", "proc", "at", "dim", "value"])
df["day"] = pd.to_datetime(df["at"], utc=True).dt.tz_convert("Asia/Ho_Chi_Minh").dt.date
df["ys"] = (df["value"] >= 4).astype(int); df["yn"] = (df["value"] >= 3).astype(int)
keys = ["rid", "unit", "proc", "day"]
# Per response and dimension (and overall, dim 0), then the same base level as DaySum (checked
# row for row against it once):
# (unit, day, dimension) over all procedures, and (unit, day, procedure) overall.
per = pd.concat([df.groupby(keys + ["dim"], dropna=False).agg(x=("value", "size"), ys=("ys", "sum"),
                                                             yn=("yn", "sum"), sv=("value", "sum")).reset_index(),
                 df.assign(dim=0).groupby(keys + ["dim"], dropna=False).agg(
                     x=("value", "size"), ys=("ys", "sum"), yn=("yn", "sum"), sv=("value", "sum")).reset_index()])
per["xx"] = per.x * per.x; per["yy"] = per.ys * per.ys; per["xy"] = per.x * per.ys
per["y2n"] = per.yn * per.yn; per["xyn"] = per.x * per.yn
sums = dict(n=("rid", "size"), x=("x", "sum"), ys=("ys", "sum"), yn=("yn", "sum"), sv=("sv", "sum"),
            xx=("xx", "sum"), yy=("yy", "sum"), xy=("xy", "sum"), y2n=("y2n", "sum"), xyn=("xyn", "sum"))
base = pd.concat([per.groupby(["unit", "day", "dim"], dropna=False).agg(**sums).reset_index(),
                  per[(per.dim == 0) & per.proc.notna()].groupby(["unit", "day", "proc"]).agg(**sums).reset_index()])
print(len(base), time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def naive_pandas(env: dict) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, rows) of the naive rollup in a child process."""
    out = subprocess.run(
        [sys.executable, "-c", NAIVE, str(ROOT)], env=env, capture_output=True, text=True, check=True, timeout=3600
    )
    rows, seconds, rss = out.stdout.split()
    return float(seconds), float(rss), int(rows)


KEY_AND_FIGURES = (
    "unit_id, scope, dimension_id, procedure_id, period_type, period_start, responses, answers, "
    "satisfied, not_dissatisfied, dissatisfied, mean, index_sipas, ci_low_sipas, ci_high_sipas, "
    "index_766, ci_low_766, ci_high_766, enough_responses, change_sipas, change_sipas_significant, "
    "change_766, change_766_significant"
)


def keep_scores() -> None:
    """A copy of the Score table, compared in SQL (millions of rows stay out of this process)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_scores")
        cursor.execute(f"CREATE TABLE bench_scores AS SELECT {KEY_AND_FIGURES} FROM reports_score")


def differing_scores() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT {KEY_AND_FIGURES} FROM reports_score EXCEPT "
            f"SELECT {KEY_AND_FIGURES} FROM bench_scores) a"
        )
        missing = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT {KEY_AND_FIGURES} FROM bench_scores EXCEPT "
            f"SELECT {KEY_AND_FIGURES} FROM reports_score) a"
        )
        return missing + cursor.fetchone()[0]


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="CI size: 20k responses, 100 units (< 1 minute)")
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--day", type=int, default=3000, help="responses in the added day")
    parser.add_argument("--sqlite", action="store_true", help="run on a temporary SQLite file instead")
    parser.add_argument("--skip-naive", action="store_true", help="do not run the pandas comparison")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--national",
        nargs="?",
        const=str(NATIONAL_DATA),
        metavar="MERGES_JSON",
        help="34 provinces and 3,321 communes (codes from vn-admin-units-2025) and, unless --responses "
        "is given, 3M responses x 10 answers; reports table and index sizes too",
    )
    args = parser.parse_args()
    if args.small:
        args.responses, args.units, args.day = 20_000, 100, 1000
    if args.national and "--responses" not in sys.argv:
        args.responses = 3_000_000

    server = None
    workdir = tempfile.mkdtemp(prefix="thuocdo-bench-rollup-")
    env = dict(os.environ)
    if args.sqlite:
        env["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    else:
        from conftest import PostgresServer

        server = PostgresServer()
        server.start()
        import psycopg2

        admin = psycopg2.connect(server.url("postgres"))
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE bench")
        admin.close()
        env["DATABASE_URL"] = server.url("bench")
    env.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction.settings")
    env["LOG_LEVEL"] = "ERROR"
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from demo.synthetic import add_responses, age_changes, make_world
        from reports import rollup

        call_command("migrate", verbosity=0)
        world = make_world(args.units, args.questions, national=Path(args.national) if args.national else None)
        figures: dict = {
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}",
            "database": connection.vendor,
            "units": args.units,
            "questions": args.questions,
        }
        first = max(1, args.responses // 10)
        t, _ = timed(add_responses, world, first, changed_now=False)
        print(f"loaded {counts()} (responses, answers) in {t:.1f}s", flush=True)
        t, _ = timed(rollup.rollup_run, mode="full")
        print(f"history 1: full {t:.2f}s", flush=True)
        add_responses(world, args.day, days=1.0, first_day=366, changed_now=True)
        t1, run = timed(rollup.rollup_run, mode="incremental")
        assert run.mode == "incremental", run.mode
        figures["history_1"] = {
            "responses_answers": counts(),
            "incremental_s": round(t1, 3),
            "incremental_scores_written": run.scores_written,
        }
        print(f"history 1: incremental after one day {t1:.3f}s", flush=True)
        # The next day's answers arrive a day later: this day is then long past the watermark's
        # safety overlap (ROLLUP_WATERMARK_OVERLAP_SECONDS), as in production.
        age_changes()

        t, _ = timed(add_responses, world, args.responses - first - args.day, changed_now=False)
        print(f"loaded {counts()} in {t:.1f}s", flush=True)
        t_floor, base_rows = timed(floor)
        print(f"floor {t_floor:.2f}s ({base_rows} base rows)", flush=True)
        t_answers, answer_rows = timed(floor, "answers")
        print(f"same base sums from the raw answers {t_answers:.2f}s ({answer_rows} rows)", flush=True)
        t_full, run = timed(rollup.rollup_run, mode="full")
        print(f"full {t_full:.2f}s ({run.scores_written} scores)", flush=True)
        full_rss = rss_mb()
        add_responses(world, args.day, days=1.0, first_day=367, changed_now=True)
        t2, run2 = timed(rollup.rollup_run, mode="incremental")
        print(f"history 2: incremental after one day {t2:.3f}s", flush=True)
        keep_scores()
        # Run again, as the nightly consolidation does day after day: a full run must not slow
        # down on the leftovers of the previous one (dead rows, grown indexes).
        t_again, _ = timed(rollup.rollup_run, mode="full")
        print(f"full again {t_again:.2f}s", flush=True)
        consistent = differing_scores() == 0
        figures["history_2"] = {
            "responses_answers": counts(),
            "floor_s": round(t_floor, 2),
            "floor_statement": "reports.rollup.base.base_select_sql() over surveys_responsesum",
            "base_from_answers_s": round(t_answers, 2),
            "base_rows": base_rows,
            "base_rows_equal_from_answers": base_rows == answer_rows,
            "full_s": round(t_full, 2),
            "full_again_s": round(t_again, 2),
            "scores": run.scores_written,
            "incremental_s": round(t2, 3),
            "incremental_scores_written": run2.scores_written,
            "peak_rss_mb_after_full": round(full_rss, 1),
            "incremental_equals_full": consistent,
        }
        if not args.skip_naive:
            connection.close()
            t_naive, naive_rss, naive_rows = naive_pandas(env)
            figures["history_2"].update(
                naive_pandas_s=round(t_naive, 2), naive_pandas_rss_mb=round(naive_rss, 1), naive_rows=naive_rows
            )
        if connection.vendor == "postgresql":
            figures["sizes_mb"] = table_sizes()
        figures["units_total"] = len(world["units"])
        figures["peak_rss_mb"] = round(rss_mb(), 1)
        h2 = figures["history_2"]
        figures["targets"] = {
            "full_over_floor": round(t_full / t_floor, 2),
            "full_le_1.5x_floor": t_full <= 1.5 * t_floor,
            "pandas_over_full": round(h2["naive_pandas_s"] / t_full, 1) if "naive_pandas_s" in h2 else None,
            "incremental_le_1s": max(t1, t2) <= 1.0,
            "incremental_ratio_10x_history": round(t2 / t1, 2),
            "peak_rss_le_300mb": figures["peak_rss_mb"] <= 300,
        }
        print(json.dumps(figures, indent=2, default=str))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
        return 0 if consistent else 1
    finally:
        if server is not None:
            from django.db import connections

            connections.close_all()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
