"""The fault: PostgreSQL restarted (`pg_ctl restart -m fast`) in the middle of a short load run.

Rules protected: clients get an error or a retry, never a hang; no response is stored partially
(a submission is one transaction: the response and all its answers, or nothing); every
acknowledged submission is stored; a resubmission with the same idempotency key is not stored
twice; and the service recovers by itself afterwards (fresh submissions succeed).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_restart_under_load_loses_nothing_and_recovers(postgres_server, tmp_path):
    # Its own cluster (bench/load.py starts one): restarting the session's server would break the session.
    figures = tmp_path / "fault.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--short",
            "--duration",
            "8",
            "--restart-postgres-at",
            "3",
            "--json",
            str(figures),
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(figures.read_text())
    pages = result["pages"]
    assert result["fault"]["restart_seconds"] > 0  # the restart really happened, during the traffic
    # Clients saw the fault as errors or retries, and none of them hung.
    failures = sum(row["errors"] for row in pages.values())
    assert failures + result["retries"] > 0, pages
    assert result["hung"] == 0
    # Nothing partial, nothing acknowledged and lost, nothing stored twice (one response per receipt).
    checks = result["checks"]
    assert checks["missing"] == 0
    assert checks["partial"] == 0
    assert checks["responses_without_answers"] == 0
    assert checks["acknowledged"] == pages["submit"]["ok"]
    # Traffic went on after the restart, and fresh submissions succeed.
    assert result["recovery"]["seconds_to_first_success"] is not None
    assert result["recovery"]["after"] == result["recovery"]["of"]
    assert pages["submit"]["ok"] > 5
