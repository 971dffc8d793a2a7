"""Load run: mixed real traffic on PostgreSQL and gunicorn — 90 % citizens submitting, 10 % staff reading.

    .venv/bin/python bench/load.py                       # 32 closed-loop clients for 60 s
    .venv/bin/python bench/load.py --rate 150            # paced: about 150 visits/s in all
    .venv/bin/python bench/load.py --short               # ≈10 s, 6 clients (CI)
    .venv/bin/python bench/load.py --short --restart-postgres-at 3   # the fault: PostgreSQL restarted mid-run

Like bench/submit.py, it starts a throw-away PostgreSQL and a redis-server (the Celery broker; no
worker, so rollups queue), migrates, seeds a small city with `demo.synthetic` (units, the standard
survey, a few hundred answers over the last months, a full rollup so the dashboards have scores),
creates a city administrator and a ward manager, issues fresh receipts, and serves the app with
gunicorn (sync workers, production settings, persistent connections with health checks) on a free
loopback port.

Each client loops: with probability 0.9 a citizen visit — `GET /r/<code>/` for a fresh receipt,
then `POST` of the form it was given (CSRF token, version, idempotency key, an answer to every
question); with 0.1 a staff visit — one dashboard (`/units/<code>/` or `/compare/`) with the
session cookie of a real sign-in. A failed POST (5xx or a broken connection) is sent again with
the same idempotency key, as a browser would (`--retries`, default 2): it must never be stored twice.

It reports visits and throughput, p50/p90/p99/max per page kind, errors by status, then checks:
every acknowledged submission (302 to the thanks page) is stored; no stored response of the run
lacks an answer (no partial response); with --restart-postgres-at, that no client hung and that
fresh submissions succeed after the restart. Exit status 1 if any check fails, or if a page
answered 5xx in a run without a fault. `--json PATH` writes the figures for tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._stack import BenchStack
from bench.browser import STAFF_PASSWORD, Browser, parse_form, sign_in
from bench.submit import pct
from conftest import PostgresServer

KINDS = ("form", "submit", "unit", "compare")


# --------------------------------------------------------------------------- preparation


def prepare(*, receipts: int, seed_responses: int) -> dict:
    """Migrate, seed a small scored city and two staff accounts, issue the run's receipts."""
    import django

    django.setup()
    from django.core.management import call_command

    from agencies.models import Membership
    from demo import synthetic

    call_command("migrate", verbosity=0)
    city = synthetic.small_city()
    # Answers over the last four months in both wards, so the dashboards have scores and trends.
    synthetic.add_recent_responses(city.version, [city.ward_b, city.ward_a], seed_responses, days=120, seed=7)
    call_command("rollup", "--full", verbosity=0)
    synthetic.add_member("load-admin", STAFF_PASSWORD, city.root, Membership.Role.ADMINISTRATOR)
    synthetic.add_member("load-manager", STAFF_PASSWORD, city.ward_a, Membership.Role.MANAGER)
    codes_list = synthetic.issue_receipts(city.ward_a, receipts)
    return {
        "codes": codes_list,
        "staff": [
            ("load-admin", ["/compare/", f"/units/{city.root.code}/"]),
            ("load-manager", [f"/units/{city.ward_a.code}/"]),
        ],
    }


# --------------------------------------------------------------------------- the run


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in KINDS})
    retries: int = 0
    acked: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)
    answers_sent: dict[str, int] = field(default_factory=dict)
    exhausted: int = 0

    def error(self, kind: str, status) -> None:
        self.errors[kind][str(status)] = self.errors[kind].get(str(status), 0) + 1

    def merge(self, other: Tally) -> None:
        for k in KINDS:
            self.latencies[k].extend(other.latencies[k])
            for status, n in other.errors[k].items():
                self.errors[k][status] = self.errors[k].get(status, 0) + n
        self.retries += other.retries
        self.acked.extend(other.acked)
        self.attempted.extend(other.attempted)
        self.answers_sent.update(other.answers_sent)
        self.exhausted += other.exhausted


def citizen_visit(browser: Browser, code: str, tally: Tally, rng: random.Random, retries: int) -> None:
    display = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    path = f"/r/{display}/"
    tally.attempted.append(code)
    t0 = time.monotonic()
    status, html, _ = browser.request("GET", path)
    if status != 200:
        tally.error("form", status)
        return
    tally.latencies["form"].append(time.monotonic() - t0)
    fields = parse_form(html)
    form = {name: values[0] for name, values in fields.items() if not re.fullmatch(r"q\d+", name)}
    questions = {name: values for name, values in fields.items() if re.fullmatch(r"q\d+", name)}
    if not form.get("csrfmiddlewaretoken") or not questions:
        tally.error("form", "no form")
        return
    form.update({name: rng.choice(values) for name, values in questions.items()})
    form["comment"] = ""
    tally.answers_sent[code] = len(questions)
    for attempt in range(retries + 1):
        if attempt:
            tally.retries += 1
            time.sleep(0.2 * attempt)
        t0 = time.monotonic()
        status, _, location = browser.request("POST", path, form)
        if status == 302 and "/thanks/" in location:
            tally.latencies["submit"].append(time.monotonic() - t0)
            tally.acked.append(code)
            return
        tally.error("submit", status)
        # Only a server or connection failure is worth sending again; a refusal is final.
        if isinstance(status, int) and status < 500:
            return


def staff_visit(browser: Browser, pages: list[str], tally: Tally, rng: random.Random) -> None:
    path = rng.choice(pages)
    kind = "compare" if path.startswith("/compare/") else "unit"
    t0 = time.monotonic()
    status, _, _ = browser.request("GET", path)
    if status == 200:
        tally.latencies[kind].append(time.monotonic() - t0)
    else:
        tally.error(kind, status)


def run(
    *,
    port: int,
    codes: list[str],
    staff: list,
    clients: int,
    duration: float,
    rate: float | None,
    retries: int,
    timeout: float,
    staff_share: float,
    fault=None,
) -> tuple[Tally, float, int]:
    """Closed-loop (or paced) clients for `duration` seconds; returns the tally, seconds, hung clients."""
    pool = iter(codes)
    pool_lock = threading.Lock()
    total = Tally()
    total_lock = threading.Lock()
    start = time.monotonic()
    stop = start + duration
    interval = clients / rate if rate else 0.0
    staff_browsers = []
    for i in range(max(1, round(clients * staff_share))):
        username, pages = staff[i % len(staff)]
        browser = Browser(port, timeout)
        sign_in(browser, username)
        staff_browsers.append((browser, pages))

    def client(index: int) -> None:
        rng = random.Random(index)
        tally = Tally()
        citizen = Browser(port, timeout)
        staff_browser, pages = staff_browsers[index % len(staff_browsers)]
        next_at = start + rng.random() * interval
        while True:
            now = time.monotonic()
            if now >= stop:
                break
            if interval:
                if next_at > now:
                    time.sleep(min(next_at - now, stop - now))
                    if time.monotonic() >= stop:
                        break
                next_at += interval
            if rng.random() < staff_share:
                staff_visit(staff_browser, pages, tally, rng)
                continue
            with pool_lock:
                code = next(pool, None)
            if code is None:
                tally.exhausted += 1
                break
            citizen.cookies.clear()  # each citizen is a new visitor with a fresh CSRF cookie
            citizen_visit(citizen, code, tally, rng, retries)
        with total_lock:
            total.merge(tally)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    if fault is not None:
        fault(start)
    # A client may be inside one request (timeout each) with its retries when the time is up.
    deadline = stop + (retries + 2) * (timeout + 1)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    hung = sum(t.is_alive() for t in threads)
    return total, time.monotonic() - start, hung


def restart_postgres(pg: PostgresServer) -> float:
    """`pg_ctl restart -m fast`, as the server's own user; returns its duration in seconds."""
    t0 = time.monotonic()
    # -l: without a log file the new postmaster would inherit pg_ctl's captured stderr and hold it open.
    pg._run(
        str(pg.bindir / "pg_ctl"),
        "-D",
        str(pg.datadir),
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
        "-l",
        str(pg.datadir.parent / "server.log"),
        "restart",
    )
    return time.monotonic() - t0


def integrity(tally: Tally) -> dict:
    """Acknowledged ⊆ stored, and every stored response of the run has all the answers sent."""
    from django.db import connections
    from django.db.models import Count

    from surveys.models import Response

    connections.close_all()  # the run may have restarted the server under this process's connection
    stored = dict(
        Response.objects.filter(receipt__code__in=tally.attempted)
        .annotate(n=Count("answers"))
        .values_list("receipt__code", "n")
    )
    missing = [c for c in tally.acked if c not in stored]
    partial = [c for c, n in stored.items() if n != tally.answers_sent.get(c, -1)]
    return {
        "acknowledged": len(set(tally.acked)),
        "stored": len(stored),
        "stored_not_acknowledged": len(set(stored) - set(tally.acked)),
        "missing": len(missing),
        "partial": len(partial),
        "responses_without_answers": Response.objects.annotate(n=Count("answers")).filter(n=0).count(),
    }


def recovery(*, port: int, codes: list[str], timeout: float, within: float) -> dict:
    """Fresh submissions after the fault, one after another: all must succeed once the server is back."""
    browser = Browser(port, timeout)
    rng = random.Random(99)
    deadline = time.monotonic() + within
    first_ok = None
    t0 = time.monotonic()
    # Wait (bounded) for the first success; a service that stays broken fails the check below.
    while time.monotonic() < deadline:
        tally = Tally()
        citizen_visit(browser, codes.pop(), tally, rng, retries=0)
        browser.cookies.clear()
        if tally.acked:
            first_ok = time.monotonic() - t0
            break
        time.sleep(0.5)
    tally = Tally()
    for _ in range(10):
        citizen_visit(browser, codes.pop(), tally, rng, retries=0)
        browser.cookies.clear()
    return {"seconds_to_first_success": first_ok, "after": len(tally.acked), "of": 10}


def report(tally: Tally, elapsed: float, machine: str) -> dict:
    rows = {}
    print()
    print(machine)
    print(f"{'page':8} {'ok':>7} {'errors':>7} {'per s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for kind in KINDS:
        lat = sorted(tally.latencies[kind])
        errors = sum(tally.errors[kind].values())
        row = {
            "ok": len(lat),
            "errors": errors,
            "by_status": tally.errors[kind],
            "per_s": len(lat) / elapsed,
            "p50_ms": pct(lat, 50),
            "p90_ms": pct(lat, 90),
            "p99_ms": pct(lat, 99),
            "max_ms": pct(lat, 100),
        }
        rows[kind] = row
        print(
            f"{kind:8} {row['ok']:7d} {errors:7d} {row['per_s']:7.1f} {row['p50_ms']:7.1f} {row['p90_ms']:7.1f} "
            f"{row['p99_ms']:7.1f} {row['max_ms']:7.1f}" + (f"  {tally.errors[kind]}" if errors else "")
        )
    visits = (
        len(tally.attempted)
        + len(tally.latencies["unit"])
        + len(tally.latencies["compare"])
        + sum(sum(tally.errors[k].values()) for k in ("unit", "compare"))
    )
    print(
        f"visits {visits} in {elapsed:.1f} s ({visits / elapsed:.1f}/s); acknowledged submissions "
        f"{len(tally.acked)} ({len(tally.acked) / elapsed:.1f}/s); retries {tally.retries}"
    )
    if tally.exhausted:
        print(f"{tally.exhausted} clients ran out of receipts: raise --receipts")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (default 32; 6 with --short)")
    parser.add_argument("--duration", type=float, default=None, help="seconds of traffic (default 60; 10 with --short)")
    parser.add_argument(
        "--rate", type=float, default=None, help="paced visits per second in all (default: closed loop)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--receipts", type=int, default=None, help="receipts issued (default: enough for the run)")
    parser.add_argument(
        "--seed-responses", type=int, default=None, help="answers seeded before (default 400; 120 short)"
    )
    parser.add_argument("--staff-share", type=float, default=0.1, help="share of staff visits (default 0.1)")
    parser.add_argument("--retries", type=int, default=2, help="resubmissions of a failed POST (default 2)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds before a request counts as hung")
    parser.add_argument("--short", action="store_true", help="≈10 s with 6 clients (CI)")
    parser.add_argument(
        "--restart-postgres-at",
        type=float,
        default=None,
        metavar="SECONDS",
        help="restart PostgreSQL (pg_ctl restart -m fast) this long into the run",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    # Nonsense figures get one clear line and exit status 2, not a run that measures nothing.
    for name in ("clients", "duration", "rate", "workers", "receipts", "timeout"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name} must be greater than 0")
    for name in ("seed_responses", "retries", "restart_postgres_at"):
        value = getattr(args, name)
        if value is not None and value < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
    if not 0 <= args.staff_share <= 1:
        parser.error("--staff-share must be between 0 and 1")
    clients = args.clients or (6 if args.short else 32)
    duration = args.duration or (10.0 if args.short else 60.0)
    seed_responses = args.seed_responses if args.seed_responses is not None else (120 if args.short else 400)
    receipts = args.receipts or int(duration * (100 if args.short else 400)) + 200

    stack = BenchStack()
    try:
        stack.start(database="load", settings_module="satisfaction.settings", log_level="CRITICAL")
        pg, broker = stack.pg, stack.broker
        print(
            f"preparing: PostgreSQL on :{pg.port}, broker {'redis' if broker else 'unreachable'}, "
            f"{seed_responses} seeded answers, {receipts} receipts",
            flush=True,
        )
        prepared = prepare(receipts=receipts, seed_responses=seed_responses)
        codes = prepared["codes"]
        spare = [codes.pop() for _ in range(60)]  # for the recovery check
        port = stack.serve(workers=args.workers, log_level="critical")
        # Warm both workers (imports, translations, first connections) before the clock starts.
        warm = Browser(port, args.timeout)
        for path in ("/", "/accounts/login/") * 4:
            warm.request("GET", path)

        fault_info: dict = {}

        def fault(start: float) -> None:
            time.sleep(max(0.0, start + args.restart_postgres_at - time.monotonic()))
            print(f"restarting PostgreSQL at {time.monotonic() - start:.1f} s …", flush=True)
            fault_info["restart_seconds"] = restart_postgres(pg)
            print(f"PostgreSQL back after {fault_info['restart_seconds']:.1f} s", flush=True)

        mode = f"paced at {args.rate}/s" if args.rate else "closed loop"
        print(f"{clients} clients, {mode}, {duration:.0f} s, {args.staff_share:.0%} staff …", flush=True)
        tally, elapsed, hung = run(
            port=port,
            codes=codes,
            staff=prepared["staff"],
            clients=clients,
            duration=duration,
            rate=args.rate,
            retries=args.retries,
            timeout=args.timeout,
            staff_share=args.staff_share,
            fault=fault if args.restart_postgres_at is not None else None,
        )
        machine = (
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; gunicorn {args.workers} "
            f"sync workers; {clients} clients ({mode}); PostgreSQL 15 with fsync off"
        )
        rows = report(tally, min(elapsed, duration), machine)
        checks = integrity(tally)
        recovered = None
        if args.restart_postgres_at is not None:
            recovered = recovery(port=port, codes=spare, timeout=args.timeout, within=20.0)
        five_xx = sum(n for kind in KINDS for status, n in tally.errors[kind].items() if status.startswith("5"))

        ok = checks["missing"] == 0 and checks["partial"] == 0 and checks["responses_without_answers"] == 0
        ok &= hung == 0
        print(
            f"acknowledged and stored: {checks['acknowledged'] - checks['missing']}/{checks['acknowledged']}; "
            f"stored without acknowledgement: {checks['stored_not_acknowledged']}; partial responses: "
            f"{checks['partial']}; responses without answers: {checks['responses_without_answers']}; "
            f"clients hung: {hung}"
        )
        if recovered is not None:
            print(
                f"after the restart: first success in {recovered['seconds_to_first_success']} s, then "
                f"{recovered['after']}/{recovered['of']} fresh submissions acknowledged"
            )
            ok &= recovered["seconds_to_first_success"] is not None and recovered["after"] == recovered["of"]
        elif five_xx:
            print(f"{five_xx} server errors without a fault")
            ok = False
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "ok": ok,
                        "pages": rows,
                        "checks": checks,
                        "hung": hung,
                        "retries": tally.retries,
                        "five_xx": five_xx,
                        "elapsed": elapsed,
                        "clients": clients,
                        "recovery": recovered,
                        "fault": fault_info,
                        "acknowledged_per_s": len(tally.acked) / min(elapsed, duration),
                    },
                    indent=2,
                )
            )
        print("every acknowledged submission is stored, none partially" if ok else "CHECK FAILED")
        return 0 if ok else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
