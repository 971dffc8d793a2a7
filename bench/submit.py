"""Submit benchmark: the real survey submission against a bare insert, on PostgreSQL and gunicorn.

    .venv/bin/python bench/submit.py [--clients 32] [--duration 30] [--workers 2] [--modes fast,durable]

It starts a throw-away PostgreSQL (like the test suite's), a redis-server as the Celery broker
when one is installed, and gunicorn with 2 sync workers on 127.0.0.1 in production settings
(DEBUG off, persistent connections). It issues fresh receipts, then runs two phases of the same
length with the same number of closed-loop clients:

- ceiling: /bench/ceiling/<code>/ stores the same rows without forms, survey lookup, templates,
  rate limits or rollup queueing (bench/ceiling.py);
- view: POST /r/<code>/, the real page (CSRF, form validation, exactly-once, masking, redirect).

It reports responses/s, p50/p90/p99 latency, the ratio view/ceiling, and checks that every
acknowledged submission is in the database exactly once. Exit status 1 if that check fails.

Both phases store the per-response sums too (issue 15: the database's triggers write them with
the answers, so every insert path pays for them). `--modes` runs the two phases under each
PostgreSQL setting, one table: `fast` as the test suite runs it (fsync, synchronous_commit and
full_page_writes off), `durable` as production runs (all three on: every commit waits for its WAL
to reach the disk). Between modes gunicorn stops, PostgreSQL restarts with the other setting, and
gunicorn starts again.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._stack import BenchStack


def prepare(receipts_per_phase: int):
    """Migrate, create a unit with the standard survey, issue receipts for both phases."""
    import django

    django.setup()
    from django.core.management import call_command

    from demo import synthetic

    call_command("migrate", verbosity=0)
    city = synthetic.small_city()
    questions = list(city.version.questions.values_list("pk", flat=True))
    codes_list = synthetic.issue_receipts(city.ward_a, 2 * receipts_per_phase)
    return city.version.pk, questions, codes_list[:receipts_per_phase], codes_list[receipts_per_phase:]


def csrf_cookie(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise RuntimeError("the home page set no CSRF cookie")


def run_phase(*, port, target, codes, clients, duration, version, questions, token, warmup=2.0):
    """Closed-loop clients, each submitting its own fresh receipts; returns latencies and acks."""
    chunks = [codes[i::clients] for i in range(clients)]
    lock = threading.Lock()
    latencies: list[float] = []
    acked: list[str] = []
    errors: dict[str, int] = {}
    start = time.monotonic()
    measure_from = start + warmup
    stop = measure_from + duration
    exhausted = [0]

    def client(mine):
        local_lat, local_ack, local_err = [], [], {}
        for code in mine:
            now = time.monotonic()
            if now >= stop:
                break
            display = f"{code[:4]}-{code[4:8]}-{code[8:]}"
            path = f"/r/{display}/" if target == "view" else f"/bench/ceiling/{display}/"
            body = {
                "version": version,
                "idempotency_key": str(uuid.uuid4()),
                "csrfmiddlewaretoken": token,
                "comment": "",
            }
            body.update({f"q{q}": str(random.randint(1, 5)) for q in questions})
            payload = urlencode(body)
            t0 = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(
                    "POST",
                    path,
                    payload,
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": f"csrftoken={token}",
                    },
                )
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
            except OSError as exc:
                status = exc.__class__.__name__
            t1 = time.monotonic()
            if t0 < measure_from:
                if status == 302:
                    local_ack.append(code)
                continue
            if status == 302:
                local_lat.append(t1 - t0)
                local_ack.append(code)
            else:
                local_err[str(status)] = local_err.get(str(status), 0) + 1
        else:
            with lock:
                exhausted[0] += 1
        with lock:
            latencies.extend(local_lat)
            acked.extend(local_ack)
            for k, v in local_err.items():
                errors[k] = errors.get(k, 0) + v

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = min(time.monotonic(), stop) - measure_from
    return {
        "latencies": sorted(latencies),
        "acked": acked,
        "errors": errors,
        "elapsed": elapsed,
        "exhausted": exhausted[0],
    }


def pct(values, p):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000


PG_MODES = {
    "fast": "fsync, synchronous_commit and full_page_writes off (as the test suite)",
    "durable": "fsync, synchronous_commit and full_page_writes on (as production)",
}


def pg_restart(stack: BenchStack, mode: str) -> None:
    """Restart the benchmark's PostgreSQL under `mode` (its -c options replace the fast ones)."""
    from django.db import connections

    connections.close_all()
    pg = stack.pg
    flag = "on" if mode == "durable" else "off"
    options = (
        f"-p {pg.port} -k {pg.datadir.parent} -c listen_addresses=127.0.0.1 -c fsync={flag} "
        f"-c synchronous_commit={flag} -c full_page_writes={flag} -c max_connections=200"
    )
    pg._run(
        str(pg.bindir / "pg_ctl"),
        "-D",
        str(pg.datadir),
        "-o",
        options,
        "-l",
        str(pg.datadir.parent / "server.log"),
        "-w",
        "-t",
        "60",
        "restart",
    )


def stop_gunicorn(stack: BenchStack) -> None:
    if stack.gunicorn is not None:
        stack.gunicorn.terminate()
        stack.gunicorn.wait(20)
        stack.gunicorn = None


def measure(port, token, args, version, questions, codes_ceiling, codes_view) -> dict:
    """The two phases, alternating in short slices, so that a change of load on a shared machine
    falls on both alike; each phase is measured for --duration seconds in all."""
    results = {
        t: {"latencies": [], "acked": [], "errors": {}, "elapsed": 0.0, "exhausted": 0} for t in ("ceiling", "view")
    }
    pools = {"ceiling": iter(codes_ceiling), "view": iter(codes_view)}
    per_slice = max(1, (len(codes_ceiling)) // args.rounds)
    slice_seconds = args.duration / args.rounds
    print(f"{args.rounds} rounds of {slice_seconds:.1f} s per phase, {args.clients} clients …", flush=True)
    for _round in range(args.rounds):
        for target in ("ceiling", "view"):
            codes = [c for _, c in zip(range(per_slice), pools[target])]
            r = run_phase(
                port=port,
                target=target,
                codes=codes,
                clients=args.clients,
                duration=slice_seconds,
                version=version,
                questions=questions,
                token=token,
                warmup=1.0,
            )
            total = results[target]
            total["latencies"].extend(r["latencies"])
            total["acked"].extend(r["acked"])
            total["elapsed"] += r["elapsed"]
            total["exhausted"] += r["exhausted"]
            for k, v in r["errors"].items():
                total["errors"][k] = total["errors"].get(k, 0) + v
    for total in results.values():
        total["latencies"].sort()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per phase (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--receipts", type=int, default=60000, help="receipts issued per phase")
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices per phase (default 3)")
    parser.add_argument(
        "--modes", default="fast,durable", help="PostgreSQL settings to run under, in order: fast, durable"
    )
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - set(PG_MODES):
        parser.error(f"--modes takes a comma-separated list of {', '.join(PG_MODES)}")

    stack = BenchStack()
    try:
        stack.start(database="bench", settings_module="bench.settings", log_level="ERROR")
        pg, broker = stack.pg, stack.broker
        print(
            f"preparing: PostgreSQL on :{pg.port}, broker {'redis' if broker else 'unreachable'}, "
            f"{args.receipts} receipts per phase",
            flush=True,
        )
        version, questions, codes_ceiling, codes_view = prepare(args.receipts * len(modes))
        results = {}
        for index, mode in enumerate(modes):
            if index or mode != "fast":
                pg_restart(stack, mode)
            port = stack.serve(workers=args.workers, log_level="warning")
            token = csrf_cookie(port)
            share = slice(index * args.receipts, (index + 1) * args.receipts)
            print(f"mode {mode}: {PG_MODES[mode]}", flush=True)
            results[mode] = measure(port, token, args, version, questions, codes_ceiling[share], codes_view[share])
            stop_gunicorn(stack)
        from django.db.models import Count

        from surveys.models import Response, ResponseSum

        ok = True
        print()
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
            f"gunicorn {args.workers} sync workers; {args.clients} clients; "
            f"{len(questions)} questions per submission; per-response sums written by both phases"
        )
        print(
            f"{'mode':8} {'phase':8} {'acked':>7} {'errors':>7} {'resp/s':>8} {'p50 ms':>7} {'p90 ms':>7} "
            f"{'p99 ms':>7} {'max ms':>7} {'ratio':>6}"
        )
        for mode, by_phase in results.items():
            for target, r in by_phase.items():
                lat = r["latencies"]
                r["rps"] = len(lat) / r["elapsed"] if r["elapsed"] > 0 else 0.0
            ceiling = by_phase["ceiling"]["rps"]
            for target, r in by_phase.items():
                lat = r["latencies"]
                ratio = f"{r['rps'] / ceiling:6.2f}" if target == "view" and ceiling else ""
                print(
                    f"{mode:8} {target:8} {len(r['acked']):7d} {sum(r['errors'].values()):7d} {r['rps']:8.1f} "
                    f"{pct(lat, 50):7.1f} {pct(lat, 90):7.1f} {pct(lat, 99):7.1f} {pct(lat, 100):7.1f} {ratio}"
                )
                if r["errors"]:
                    print(f"         errors: {r['errors']}")
                if r["exhausted"]:
                    print(f"         {r['exhausted']} clients ran out of receipts: raise --receipts")
                stored = Response.objects.filter(receipt__code__in=r["acked"]).count()
                missing = len(r["acked"]) - stored
                if missing:
                    print(f"         acknowledged but not stored: {missing}")
                ok &= missing == 0
        for mode, by_phase in results.items():
            ratio = by_phase["view"]["rps"] / by_phase["ceiling"]["rps"] if by_phase["ceiling"]["rps"] else float("nan")
            p99 = pct(by_phase["view"]["latencies"], 99)
            print(f"{mode}: ratio view/ceiling {ratio:.2f} (target ≥ 0.60); view p99 {p99:.1f} ms")
        duplicates = (
            Response.objects.exclude(receipt=None).values("receipt").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        without_sums = Response.objects.exclude(
            pk__in=ResponseSum.objects.filter(dimension_key=0).values("response_id")
        ).count()
        print(f"receipts with more than one response: {duplicates}; responses without their sums: {without_sums}")
        ok &= duplicates == 0 and without_sums == 0
        print("every acknowledged submission is in the database exactly once" if ok else "CHECK FAILED")
        return 0 if ok else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
