"""Database settings read from the environment: the pooler's mode and the replica alias.

Rule protected (satisfaction/settings.py, docs/operations.md): behind PgBouncer in transaction
mode no server-side cursor is used on any alias; the replica alias gives up connecting quickly,
is never migrated, and mirrors the primary in tests.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({a: {k: d.get(k) for k in ('HOST', 'PORT', 'NAME', 'DISABLE_SERVER_SIDE_CURSORS', "
    "'CONN_MAX_AGE', 'OPTIONS', 'TEST')} for a, d in settings.DATABASES.items()}))"
)


def _settings(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CONN_MAX_AGE"))}
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        env={**base, "DJANGO_SETTINGS_MODULE": "satisfaction.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_behind_pgbouncer_in_transaction_mode_no_alias_uses_server_side_cursors():
    done = _settings(
        DATABASE_URL="postgres://app@pgbouncer:6432/thuocdo",
        DATABASE_POOLER="pgbouncer-transaction",
        DATABASE_REPLICA_URL="postgres://app@standby:5432/thuocdo",
        REPLICA_CONNECT_TIMEOUT="3",
    )
    assert done.returncode == 0, done.stderr
    databases = json.loads(done.stdout)
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["default"]["CONN_MAX_AGE"] == 60
    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"]) == ("standby", 5432)
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert replica["OPTIONS"]["connect_timeout"] == 3
    assert replica["TEST"]["MIRROR"] == "default"


def test_without_the_variables_there_is_one_database_and_no_pooler_setting():
    done = _settings(DATABASE_URL="postgres://app@db:5432/thuocdo")
    assert done.returncode == 0, done.stderr
    databases = json.loads(done.stdout)
    assert list(databases) == ["default"]
    assert not databases["default"].get("DISABLE_SERVER_SIDE_CURSORS")


def test_an_unknown_pooler_mode_is_refused_with_a_clear_message():
    done = _settings(DATABASE_URL="postgres://app@db:5432/thuocdo", DATABASE_POOLER="pgbouncer-session")
    assert done.returncode != 0
    assert "DATABASE_POOLER is 'pgbouncer-transaction' or empty" in done.stderr
