"""Faults of the multi-machine deployment, with real processes (bench/cluster_load.py --faults).

One local cluster (scripts/cluster.py: primary, streaming standby, PgBouncer, Redis, two Celery
workers, beat, gunicorn) carries a short load run per fault, in this order:

- the standby lagging (replay paused) past REPLICA_MAX_LAG_SECONDS: reads move to the primary
  and come back once it has caught up;
- the standby stopped under load: reads fall back to the primary, no page errs, nothing is lost,
  and reads return to the standby once it is back;
- PgBouncer killed and started again during submissions: every acknowledged submission is stored,
  resent ones (same idempotency key) once, and the portal serves again right after;
- the standby promoted after the primary stops, PgBouncer pointed at it (docs/operations.md,
  Failover): the portal keeps serving without a restart, reads and writes on the new primary.

During the PgBouncer and failover windows the portal may answer 503 (retry in a moment) — never
500. Timings are printed, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def fault_runs(tmp_path_factory) -> dict:
    from conftest import missing_server

    for binary in ("pgbouncer", "redis-server"):
        if not any(Path(d, binary).exists() for d in ("/usr/sbin", "/usr/bin")):
            missing_server(f"{binary} is not installed (apt-get install {binary})")
    figures = tmp_path_factory.mktemp("cluster") / "faults.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cluster_load.py"), "--faults", "--short", "--json", str(figures)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    print(done.stdout[-6000:])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(figures.read_text())["faults"]


def _no_server_errors(run: dict) -> None:
    five_hundreds = {kind: errors.get("500", 0) for kind, errors in run["errors"].items()}
    assert not any(five_hundreds.values()), run["errors"]


def _nothing_lost(run: dict) -> None:
    checks = run["checks"]
    assert checks["acknowledged"] > 0
    assert checks["missing"] == 0, checks
    assert checks["partial"] == 0, checks
    assert checks["responses_without_answers"] == 0, checks
    assert run["hung"] == 0


def test_a_standby_lagging_past_the_limit_sends_reads_to_the_primary_until_it_catches_up(fault_runs):
    run = fault_runs["lagging-standby"]
    assert run["before"] == [200, "replica"]
    assert run["lagging"] == [200, "primary"]
    assert run["healthz"]["state"] == "lagging"
    assert run["healthz"]["lag_seconds"] > run["healthz"]["max_lag_seconds"]
    assert run["back_on_replica"] is True
    assert run["healthz_after"]["state"] == "ok"


def test_stopping_the_standby_under_load_moves_reads_to_the_primary_without_an_error(fault_runs):
    run = fault_runs["stop-standby"]
    assert run["before"] == [200, "replica"]
    assert run["five_xx"] == 0, run["errors"]
    assert not any(run["errors"].values()), run["errors"]
    assert run["after"] == [200, "primary"]
    assert run["healthz"]["state"] == "down"
    assert run["healthz"]["reads_on"] == "primary"
    assert run["pages"]["unit"]["ok"] + run["pages"]["compare"]["ok"] > 0
    _nothing_lost(run)
    assert run["back_on_replica"] is True


def test_restarting_pgbouncer_during_submissions_stores_each_resent_submission_once(fault_runs):
    run = fault_runs["restart-pgbouncer"]
    _nothing_lost(run)
    _no_server_errors(run)
    assert run["duplicates"] == 0
    assert run["recovery"]["seconds_to_first_success"] is not None
    assert run["recovery"]["after"] == run["recovery"]["of"]


def test_after_promoting_the_standby_and_repointing_pgbouncer_the_portal_keeps_serving(fault_runs):
    run = fault_runs["promote-standby"]
    _nothing_lost(run)
    _no_server_errors(run)
    assert run["duplicates"] == 0
    assert run["recovery"]["after"] == run["recovery"]["of"]
    assert run["after"] == [200, "primary"]
    # The old standby's address now reaches a primary: the router refuses to read from it.
    assert run["healthz"]["state"] == "not_standby"
