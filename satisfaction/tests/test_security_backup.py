"""The backup procedure of the production guide, tested: pg_dump of a live database, pg_restore into an
empty one, and the restored copy holds the same rows, its database rules (triggers) and a current schema."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TABLES = [
    "agencies_unit",
    "agencies_membership",
    "agencies_auditevent",
    "surveys_surveyversion",
    "surveys_question",
    "surveys_receipt",
    "surveys_response",
    "surveys_answer",
    "reports_score",
    "reports_reviewflag",
]


def _counts(url: str) -> dict[str, int]:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        out = {}
        for table in TABLES:
            cur.execute(f'SELECT count(*) FROM "{table}"')  # fixed table names, not input
            out[table] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")
        out["triggers"] = cur.fetchone()[0]
        return out


@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_restore_give_back_every_row_and_rule(postgres_server, test_database_url, city, tmp_path):
    from agencies.audit import record
    from reports.audit_actions import AuditAction
    from reports.tests.factories import make_unit_scores
    from surveys.tests.factories import (
        make_receipt,
        make_response,
        make_standard_survey,
    )

    version = make_standard_survey(city.root)
    for i in range(3):
        make_response(version, city.ward_a, [4] * 16, comment=f"góp ý {i}")
    make_receipt(city.ward_a)
    make_unit_scores(city.ward_a, start=date(2025, 10, 1), index=84)
    record(actor=city.dana, action=AuditAction.EXPORT, obj=city.ward_a)
    before = _counts(test_database_url)
    assert before["surveys_response"] == 3 and before["triggers"] >= 1

    bindir = postgres_server.bindir
    conn = ["-h", "127.0.0.1", "-p", str(postgres_server.port), "-U", "postgres"]
    dump = tmp_path / "thuocdo.dump"
    restored = "thuocdo_restore_check"
    subprocess.run(
        [str(bindir / "pg_dump"), *conn, "-Fc", "--no-owner", "-f", str(dump), test_database_url.rsplit("/", 1)[1]],
        check=True,
        timeout=120,
    )
    subprocess.run([str(bindir / "dropdb"), *conn, "--if-exists", restored], check=True, timeout=60)
    subprocess.run([str(bindir / "createdb"), *conn, restored], check=True, timeout=60)
    try:
        subprocess.run(
            [str(bindir / "pg_restore"), *conn, "--no-owner", "--exit-on-error", "-d", restored, str(dump)],
            check=True,
            timeout=120,
        )
        restored_url = postgres_server.url(restored)
        assert _counts(restored_url) == before
        # The restored database is at the code's schema: nothing left to migrate.
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(DATABASE_URL=restored_url, DJANGO_SETTINGS_MODULE="satisfaction.settings")
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        subprocess.run([str(bindir / "dropdb"), *conn, "--if-exists", "--force", restored], timeout=60, check=False)
