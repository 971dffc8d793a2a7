"""The servers a benchmark runs against: a throw-away PostgreSQL, redis-server as the broker when
one is installed, and gunicorn in production settings on a free loopback port.

Shared by bench/submit.py and bench/load.py so that both measure the same deployment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conftest import PostgresServer, free_port, wait_for_port


class BenchStack:
    """Start with `start(...)` (database, broker, environment), then `serve(...)`; always `stop()`."""

    def __init__(self) -> None:
        self.pg = PostgresServer()
        self.redis: subprocess.Popen | None = None
        self.redis_dir: str | None = None
        self.broker: str | None = None
        self.gunicorn: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    def start(self, *, database: str, settings_module: str, log_level: str) -> dict[str, str]:
        """PostgreSQL with an empty `database`, the broker, and the production-like environment,
        also put into os.environ so that this process can prepare data with Django."""
        self.pg.start()
        import psycopg2

        admin = psycopg2.connect(self.pg.url("postgres"))
        admin.autocommit = True
        admin.cursor().execute(f"CREATE DATABASE {database}")
        admin.close()
        self._start_redis()
        self.env = {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": self.pg.url(database),
            "DEBUG": "false",
            "SECRET_KEY": f"{database}-" + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "CONN_MAX_AGE": "600",
            "LOG_LEVEL": log_level,
            # No redis-server installed: an unreachable broker, so the broker-down path is measured.
            "CELERY_BROKER_URL": self.broker or "redis://127.0.0.1:9/0",
        }
        os.environ.update(self.env)
        return self.env

    def _start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            return
        port = free_port()
        self.redis_dir = tempfile.mkdtemp(prefix="thuocdo-bench-redis-")
        self.redis = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.redis_dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port)
        self.broker = f"redis://127.0.0.1:{port}/0"

    def serve(self, *, workers: int, log_level: str) -> int:
        """gunicorn with `workers` sync workers on a free loopback port; returns the port."""
        port = free_port()
        self.gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                log_level,
                "satisfaction.wsgi:application",
            ],
            cwd=ROOT,
            env={**os.environ, **self.env},
        )
        wait_for_port(port, timeout=30)
        return port

    def stop(self) -> None:
        if self.gunicorn is not None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(10)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)
        if self.redis_dir is not None:
            shutil.rmtree(self.redis_dir, ignore_errors=True)
        try:
            from django.db import connections

            connections.close_all()
        except Exception as exc:  # noqa: BLE001 — Django may not be set up if the start failed
            print(f"closing database connections: {exc}", file=sys.stderr)
        self.pg.stop()
