"""Load on the local cluster (scripts/cluster.py): one machine's figures with and without the
replica and the pooler, and the faults of a multi-machine deployment, with real processes.

    .venv/bin/python bench/cluster_load.py                  # both topologies, 32 clients, 2 × 60 s each
    .venv/bin/python bench/cluster_load.py --short          # ≈10 s each, 6 clients
    .venv/bin/python bench/cluster_load.py --faults --short --json out.json   # the fault runs (CI)

Topologies, on the same cluster and the same data, in alternating slices (`--rounds`):
- `single`: gunicorn straight on the primary, no replica, no pooler (one machine's deployment);
- `cluster`: gunicorn through PgBouncer (transaction mode) reading score pages from the standby.

Faults (`--faults`), in this order on one cluster, each but the first during a short load run
with the same traffic as bench/load.py (citizens submitting, staff reading dashboards):
0. `lagging-standby`: replay paused on the standby while the primary commits. Past the lag limit
   (3 s in this run) score pages read from the primary; resumed, they return to the standby.
1. `stop-standby`: the standby is stopped mid-run. Reads fall back to the primary; no page errs;
   every acknowledged submission is stored. The standby is started again afterwards.
2. `restart-pgbouncer`: PgBouncer is killed (SIGTERM, its immediate shutdown) and started again
   mid-run. Clients resend failed submissions with the same idempotency key: each is stored once.
3. `promote-standby`: a planned failover (docs/operations.md, Failover): the primary is stopped,
   the standby promoted, PgBouncer pointed at it (configuration edited, SIGHUP). The app keeps
   serving without a restart: fresh submissions are stored on the new primary, pages read there.

Figures are printed with the machine; `--json PATH` writes them for the tests (which assert the
checks, never the timings).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser import Browser, sign_in
from bench.load import KINDS, integrity, prepare, recovery, report, run
from scripts.cluster import Cluster, _free_port, _wait_for_port

LAG_LIMIT_SECONDS = 3


def read_from(port: int, path: str, cookies: dict[str, str]) -> tuple[int | str, str]:
    """(status, X-Read-From) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Read-From") or ""
    except (OSError, http.client.HTTPException) as exc:
        return exc.__class__.__name__, ""
    finally:
        conn.close()


def healthz_replica(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        # The details are for monitors with the token (the cluster gives its processes one).
        conn.request("GET", "/healthz", headers={"Authorization": f"Bearer {os.environ.get('HEALTHZ_TOKEN', '')}"})
        return json.loads(conn.getresponse().read()).get("replica", {})
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return {"error": exc.__class__.__name__}
    finally:
        conn.close()


def duplicates() -> int:
    """Receipts with more than one stored response (a retried submission stored twice)."""
    from django.db import connections
    from django.db.models import Count

    from surveys.models import Response

    connections.close_all()
    stored = Response.objects.filter(receipt__isnull=False)
    return stored.values("receipt").annotate(n=Count("id")).filter(n__gt=1).count()


def storage_per_response() -> dict:
    """Bytes on disk (tables and indexes) per stored response with its answers, for the sizing."""
    from django.db import connection

    from surveys.models import Answer, Response

    tables = [Response._meta.db_table, Answer._meta.db_table]
    tables += [f.m2m_db_table() for f in Answer._meta.many_to_many]
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(pg_total_relation_size(c::regclass)) FROM unnest(%s::text[]) AS c", [tables])
        total = int(cursor.fetchone()[0])
    responses, answers = Response.objects.count(), Answer.objects.count()
    return {
        "responses": responses,
        "answers": answers,
        "bytes": total,
        "bytes_per_response": total / responses if responses else None,
        "answers_per_response": answers / responses if responses else None,
    }


class SingleMachineWeb:
    """gunicorn on the primary directly: no pooler, no replica (the one-machine deployment)."""

    def __init__(self, cluster: Cluster, workers: int) -> None:
        env = cluster.env("web")
        for name in ("DATABASE_REPLICA_URL", "DATABASE_POOLER"):
            env.pop(name, None)
        env["DATABASE_URL"] = cluster.url("primary")
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}"]
            + ["--log-level", "critical", "satisfaction.wsgi:application"],
            cwd=ROOT,
            env=env,
        )
        _wait_for_port(self.port, 60, "gunicorn (single)")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def warm(port: int) -> None:
    browser = Browser(port, 15)
    for path in ("/", "/accounts/login/", "/open-data/") * 4:
        browser.request("GET", path)


def load(port: int, codes: list[str], prepared: dict, args, *, staff_share: float, fault=None) -> dict:
    clients = args.clients
    # Each run its own fresh receipts (taken off the shared list), so its checks see only its own.
    batch = [codes.pop() for _ in range(min(len(codes) - 100, args.receipts_per_run))]
    tally, elapsed, hung = run(
        port=port,
        codes=batch,
        staff=prepared["staff"],
        clients=clients,
        duration=args.duration,
        rate=None,
        retries=args.retries,
        timeout=15.0,
        staff_share=staff_share,
        fault=fault,
    )
    machine = (
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; gunicorn {args.workers} sync "
        f"workers; {clients} clients (closed loop), {staff_share:.0%} staff; PostgreSQL with fsync off"
    )
    pages = report(tally, min(elapsed, args.duration), machine)
    checks = integrity(tally)
    five_xx = sum(n for kind in KINDS for status, n in tally.errors[kind].items() if str(status).startswith("5"))
    return {
        "pages": pages,
        "checks": checks,
        "hung": hung,
        "retries": tally.retries,
        "five_xx": five_xx,
        "errors": {kind: dict(tally.errors[kind]) for kind in KINDS},
        "acknowledged_per_s": len(tally.acked) / min(elapsed, args.duration),
        "machine": machine,
    }


def staff_cookies(port: int) -> dict[str, str]:
    browser = Browser(port, 15)
    sign_in(browser, "load-admin")
    return dict(browser.cookies)


def at(seconds: float, action):
    """A fault function for bench.load.run: `action()` this long into the run."""
    info: dict = {}

    def fault(start: float) -> None:
        time.sleep(max(0.0, start + seconds - time.monotonic()))
        t0 = time.monotonic()
        print(f"fault at {t0 - start:.1f} s …", flush=True)
        action()
        info["seconds"] = time.monotonic() - t0
        print(f"fault done in {info['seconds']:.1f} s", flush=True)

    return fault, info


def lagging_standby(cluster: Cluster, port: int, page: str, cookies: dict[str, str]) -> dict:
    """Replay paused on the standby (pg_wal_replay_pause) while the primary commits: once the lag
    passes REPLICA_MAX_LAG_SECONDS, score pages read from the primary; resumed, they return."""
    print("\n== lagging-standby", flush=True)
    result: dict = {"before": read_from(port, page, cookies)}
    cluster.psql("primary", "CREATE TABLE IF NOT EXISTS bench_lag (at timestamptz)")
    cluster.psql("standby", "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + LAG_LIMIT_SECONDS * 3 + 15
    while time.monotonic() < deadline:
        cluster.psql("primary", "INSERT INTO bench_lag VALUES (now())")
        if read_from(port, page, cookies)[1] == "primary":
            break
        time.sleep(0.5)
    result["lagging"] = read_from(port, page, cookies)
    result["healthz"] = healthz_replica(port)
    cluster.psql("standby", "SELECT pg_wal_replay_resume()")
    deadline, streak = time.monotonic() + 30, 0
    while time.monotonic() < deadline and streak < 4:
        streak = streak + 1 if read_from(port, page, cookies)[1] == "replica" else 0
        time.sleep(0.5)
    result["back_on_replica"] = streak >= 4
    result["healthz_after"] = healthz_replica(port)
    cluster.psql("primary", "DROP TABLE bench_lag")
    print(result, flush=True)
    return result


def fault_runs(cluster: Cluster, codes: list[str], prepared: dict, args) -> dict:
    port = cluster.ports["gunicorn"]
    cookies = staff_cookies(port)
    page = "/compare/"
    results: dict = {}

    # 0. The standby lags: replay paused while the primary takes writes.
    results["lagging-standby"] = lagging_standby(cluster, port, page, cookies)

    # 1. The standby stops under load.
    before = read_from(port, page, cookies)
    fault, info = at(args.duration / 3, cluster.stop_standby)
    print("\n== stop-standby", flush=True)
    result = load(port, codes, prepared, args, staff_share=0.5, fault=fault)
    result.update(
        before=before,
        after=read_from(port, page, cookies),
        healthz=healthz_replica(port),
        fault_seconds=info.get("seconds"),
    )
    results["stop-standby"] = result
    cluster.start_standby()
    # Each gunicorn process probes again REPLICA_CHECK_SECONDS after its last probe: wait until
    # several pages in a row (so both processes) read from the standby again.
    deadline, streak = time.monotonic() + 30, 0
    while time.monotonic() < deadline and streak < 4:
        streak = streak + 1 if read_from(port, page, cookies)[1] == "replica" else 0
        time.sleep(0.5)
    results["stop-standby"]["back_on_replica"] = streak >= 4

    # 2. PgBouncer is killed and started again under load.
    def restart_pgbouncer() -> None:
        cluster.stop_pgbouncer()
        time.sleep(1.0)
        cluster.start_pgbouncer()

    fault, info = at(args.duration / 3, restart_pgbouncer)
    print("\n== restart-pgbouncer", flush=True)
    result = load(port, codes, prepared, args, staff_share=0.1, fault=fault)
    result.update(duplicates=duplicates(), fault_seconds=info.get("seconds"))
    result["recovery"] = recovery(port=port, codes=[codes.pop() for _ in range(40)], timeout=15.0, within=30.0)
    results["restart-pgbouncer"] = result

    # 3. Planned failover: primary stopped, standby promoted, PgBouncer pointed at it.
    def failover() -> None:
        cluster.stop_primary()
        cluster.promote_standby()
        cluster.write_pgbouncer_config(target="standby")
        cluster.reload_pgbouncer()

    fault, info = at(args.duration / 3, failover)
    print("\n== promote-standby", flush=True)
    result = load(port, codes, prepared, args, staff_share=0.3, fault=fault)
    result.update(duplicates=duplicates(), fault_seconds=info.get("seconds"))
    result["recovery"] = recovery(port=port, codes=[codes.pop() for _ in range(40)], timeout=15.0, within=30.0)
    result["after"] = read_from(port, page, staff_cookies(port))
    result["healthz"] = healthz_replica(port)
    results["promote-standby"] = result
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (default 32; 6 short)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per run (default 60; 10 short)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--retries", type=int, default=3, help="resubmissions of a failed POST (default 3)")
    parser.add_argument("--short", action="store_true", help="≈10 s per run with 6 clients (CI)")
    parser.add_argument("--faults", action="store_true", help="the fault runs instead of the comparison")
    parser.add_argument("--rounds", type=int, default=2, help="alternating slices per topology (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--keep-logs", action="store_true", help="stop the cluster but keep its directory")
    args = parser.parse_args(argv)
    for name in ("clients", "duration", "workers", "rounds"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name} must be greater than 0")
    args.clients = args.clients or (6 if args.short else 32)
    args.duration = args.duration or (10.0 if args.short else 60.0)
    args.receipts_per_run = int(args.duration * (60 if args.short else 200)) + 100
    receipts = args.receipts_per_run * max(3, 2 * args.rounds) + 400

    if args.faults:
        # A small lag limit, so that the lagging-standby run passes it in seconds.
        os.environ["REPLICA_MAX_LAG_SECONDS"] = str(LAG_LIMIT_SECONDS)
    directory = Path(tempfile.mkdtemp(prefix="thuocdo-cluster-"))
    cluster = Cluster(directory)
    single = None
    figures: dict = {"mode": "faults" if args.faults else "compare"}
    try:
        cluster.start(responses=None, web_workers=args.workers)
        os.environ.update({k: v for k, v in cluster.env("worker").items() if k not in ("DEBUG",)})
        os.environ["DEBUG"] = "false"
        prepared = prepare(receipts=receipts, seed_responses=120 if args.short else 400)
        codes = prepared["codes"]
        random.shuffle(codes)
        warm(cluster.ports["gunicorn"])
        if args.faults:
            figures["faults"] = fault_runs(cluster, codes, prepared, args)
        else:
            # Alternating slices, so that a change of load on a shared machine falls on both.
            single = SingleMachineWeb(cluster, args.workers)
            warm(single.port)
            topologies = {
                "single": (single.port, "gunicorn on the primary, no pooler, no replica"),
                "cluster": (cluster.ports["gunicorn"], "gunicorn through PgBouncer, score pages on the standby"),
            }
            for number in range(1, args.rounds + 1):
                for name, (port, what) in topologies.items():
                    print(f"\n== {name} (round {number}/{args.rounds}): {what}", flush=True)
                    figures.setdefault(name, []).append(load(port, codes, prepared, args, staff_share=0.1))
            single.stop()
            single = None
            print("\nacknowledged submissions/s by round (errors):")
            for name in topologies:
                rounds = figures[name]
                rates = ", ".join(f"{r['acknowledged_per_s']:.1f} ({r['five_xx']})" for r in rounds)
                mean = sum(r["acknowledged_per_s"] for r in rounds) / len(rounds)
                print(f"  {name:8} {rates}; mean {mean:.1f}")
            figures["storage"] = storage_per_response()
            print(f"\nstorage: {figures['storage']}")
    finally:
        if single is not None:
            single.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception as exc:  # noqa: BLE001 — Django may not be set up if the start failed
            print(f"closing database connections: {exc}", file=sys.stderr)
        cluster.stop(destroy=not args.keep_logs)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    threading.excepthook = lambda hook: print(f"thread failed: {hook.exc_value!r}", file=sys.stderr)
    sys.exit(main())
