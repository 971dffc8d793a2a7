"""The load run in its short mode (bench/load.py --short): mixed traffic on PostgreSQL and gunicorn.

Rule protected: under concurrent citizens and staff, every acknowledged submission is stored with
all its answers and no page answers with a server error. Timings are printed, never asserted (the
CI machine is shared).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.slow
def test_short_load_run_stores_every_acknowledged_submission(postgres_server, tmp_path):
    # The run starts its own cluster (like bench/submit.py): the session's one stays untouched.
    figures = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--short", "--json", str(figures)],
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
    assert result["ok"] is True
    assert result["five_xx"] == 0, pages
    assert result["hung"] == 0
    # Both kinds of traffic really ran: citizens submitted and staff read both dashboards.
    assert pages["submit"]["ok"] > 5
    assert pages["unit"]["ok"] + pages["compare"]["ok"] > 0
    checks = result["checks"]
    assert checks["acknowledged"] == pages["submit"]["ok"]
    assert checks["missing"] == 0
    assert checks["partial"] == 0
    assert checks["responses_without_answers"] == 0
