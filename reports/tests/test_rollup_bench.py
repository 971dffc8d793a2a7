"""The rollup benchmark's CI mode runs, and its incremental and full Score tables agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.slow
def test_benchmark_small_mode_runs_and_incremental_equals_full(postgres_server, tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "bench/rollup.py", "--small", "--json", str(out)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["history_2"]["incremental_equals_full"] is True
    assert figures["history_2"]["base_rows"] > 0 and figures["history_2"]["scores"] > 0
    assert figures["history_2"]["naive_rows"] > 0
