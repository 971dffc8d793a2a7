"""A local cluster in one command: the multi-machine topology of docs/operations.md on loopback ports.

    .venv/bin/python scripts/cluster.py start [--responses N | --no-seed]   (make cluster)
    .venv/bin/python scripts/cluster.py status
    .venv/bin/python scripts/cluster.py stop [--destroy]                    (make cluster-stop)

It starts, each on a free 127.0.0.1 port chosen once and kept in var/cluster/state.json:

- PostgreSQL primary, and a hot standby made from it with `pg_basebackup -R` (streaming replication);
- PgBouncer in front of the primary: database `thuocdo` in transaction mode for the web,
  `thuocdo_session` in session mode for the Celery workers (the rollup holds a session-level
  advisory lock, which transaction pooling would hand to another client);
- redis-server: the Celery broker and the shared cache (rate limits, the abuse-detection lock);
- two Celery workers on different queues (`rollup,abuse` and `exports,notifications,default`) and beat;
- gunicorn (production settings) through PgBouncer, reading score pages from the standby.

The servers run as the `postgres` user when we are root (PostgreSQL and PgBouncer refuse root).
Everything lives under var/cluster/ (or --dir); `stop` keeps the data for the next `start`,
`stop --destroy` removes it. A developer's cluster: fsync is off, nothing here is durable.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE = "thuocdo"
WORKERS = {"worker-rollup": "rollup,abuse", "worker-other": "exports,notifications,default"}
AS_ROOT = os.geteuid() == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _listening(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} does not listen on 127.0.0.1:{port} after {timeout:.0f}s")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child that exited) is not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _pg_bindir() -> Path:
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (bindir / "initdb").exists() and (bindir / "pg_basebackup").exists():
            return bindir
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")


def _binary(name: str, package: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        raise SystemExit(f"{name} not found (apt-get install {package})")
    return path


class Cluster:
    """The cluster under one directory. `start()` and `stop()`; the fault helpers are for the tests."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.state_file = directory / "state.json"
        self.state: dict = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        self.bindir = _pg_bindir()

    # ------------------------------------------------------------------ helpers

    def _save(self) -> None:
        self.state_file.write_text(json.dumps(self.state, indent=2))

    def _as_server_user(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if AS_ROOT else cmd

    def _run(self, cmd: list[str], *, server_user: bool = False, env: dict | None = None, timeout: int = 600) -> str:
        cmd = self._as_server_user(cmd) if server_user else cmd
        done = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done.stdout

    def _server_dir(self, name: str, mode: int = 0o700) -> Path:
        path = self.dir / name
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(mode)
        if AS_ROOT:
            shutil.chown(path, "postgres", "postgres")
        return path

    def _pg_ctl(self, datadir: Path, action: str, *extra: str) -> None:
        self._run([str(self.bindir / "pg_ctl"), "-D", str(datadir), "-w", "-t", "60", *extra, action], server_user=True)

    @property
    def ports(self) -> dict[str, int]:
        return self.state["ports"]

    def url(self, target: str) -> str:
        """postgres URL of `primary`, `standby`, `pooled` (transaction mode) or `session` (session mode)."""
        port, name = {
            "primary": (self.ports["primary"], DATABASE),
            "standby": (self.ports["standby"], DATABASE),
            "pooled": (self.ports["pgbouncer"], DATABASE),
            "session": (self.ports["pgbouncer"], f"{DATABASE}_session"),
        }[target]
        return f"postgres://postgres@127.0.0.1:{port}/{name}"

    def env(self, role: str) -> dict[str, str]:
        """The environment of a `web` process (pooled, reads on the standby) or a `worker` (session pool)."""
        redis = f"redis://127.0.0.1:{self.ports['redis']}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "satisfaction.settings",
            "DEBUG": "false",
            "SECRET_KEY": self.state["secret_key"],
            # /healthz shows its details (replica state and lag) only to administrators and to a
            # monitor with this token: the load and fault runs read them as such a monitor.
            "HEALTHZ_TOKEN": self.state.setdefault("healthz_token", secrets.token_urlsafe(24)),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.address,
            "SECURE_SSL_REDIRECT": "false",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "CELERY_BROKER_URL": f"{redis}/0",
            "CACHE_URL": f"{redis}/1",
            "CONN_MAX_AGE": "600",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_POOLER"):
            env.pop(name, None)
        if role == "web":
            env["DATABASE_URL"] = self.url("pooled")
            env["DATABASE_POOLER"] = "pgbouncer-transaction"
            if self.state.get("replica", True):
                env["DATABASE_REPLICA_URL"] = self.url("standby")
        else:
            env["DATABASE_URL"] = self.url("session")
        return env

    @property
    def address(self) -> str:
        return f"http://localhost:{self.ports['gunicorn']}"

    # ------------------------------------------------------------------ PostgreSQL

    def _init_primary(self) -> None:
        data = self._server_dir("primary")
        if (data / "PG_VERSION").exists():
            return
        self._run(
            [str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
            + ["--locale=C.UTF-8", "--no-sync"],
            server_user=True,
        )
        sockets = self._server_dir("sockets", 0o755)
        settings = {
            "port": self.ports["primary"],
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{sockets}'",
            "max_connections": 200,
            "wal_level": "replica",
            "max_wal_senders": 10,
            "hot_standby": "on",
            "hot_standby_feedback": "on",
            # The web's connections pass through PgBouncer, which re-sets TimeZone per client; UTC
            # on the server makes Django's own SET TIME ZONE unnecessary in the first place.
            "timezone": "'UTC'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n# scripts/cluster.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))

    def start_primary(self) -> None:
        self._pg_ctl(self.dir / "primary", "start", "-l", str(self._server_dir("logs", 0o755) / "primary.log"))

    def _create_database(self) -> None:
        cmd = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres"]
        exists = self._run([*cmd, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"], server_user=True)
        if not exists.strip():
            self._run([*cmd, "-c", f"CREATE DATABASE {DATABASE}"], server_user=True)

    def _init_standby(self) -> None:
        data = self.dir / "standby"
        if (data / "PG_VERSION").exists():
            return
        data = self._server_dir("standby")
        self._run(
            [str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports["primary"])]
            + ["-U", "postgres", "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"],
            server_user=True,
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.ports['standby']}\n")

    def start_standby(self) -> None:
        self._pg_ctl(self.dir / "standby", "start", "-l", str(self._server_dir("logs", 0o755) / "standby.log"))

    def stop_standby(self) -> None:
        self._pg_ctl(self.dir / "standby", "stop", "-m", "fast")

    def stop_primary(self) -> None:
        self._pg_ctl(self.dir / "primary", "stop", "-m", "fast")

    def psql(self, node: str, sql: str) -> str:
        """One statement on `node` (primary or standby) as the server's superuser; its output."""
        cmd = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.ports[node]), "-U", "postgres"]
        return self._run([*cmd, "-d", DATABASE, "-tAc", sql], server_user=True).strip()

    def promote_standby(self) -> None:
        """`pg_ctl promote`: the standby leaves recovery and takes writes (the failover's first step)."""
        self._pg_ctl(self.dir / "standby", "promote")

    # ------------------------------------------------------------------ PgBouncer

    def write_pgbouncer_config(self, *, target: str = "primary") -> None:
        """The pooler's databases point at `target` (primary or, after a failover, standby)."""
        run = self._server_dir("pgbouncer")
        port = self.ports[target]
        (run / "userlist.txt").write_text('"postgres" ""\n')
        (run / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{DATABASE} = host=127.0.0.1 port={port} dbname={DATABASE} pool_mode=transaction\n"
            f"{DATABASE}_session = host=127.0.0.1 port={port} dbname={DATABASE} pool_mode=session\n"
            "\n[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.ports['pgbouncer']}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {run / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            "max_client_conn = 1000\n"
            "default_pool_size = 20\n"
            "reserve_pool_size = 5\n"
            # A client waits this long for a server connection, then gets an error (never hangs).
            "query_wait_timeout = 15\n"
            "server_login_retry = 1\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {run / 'pgbouncer.log'}\n"
            f"pidfile = {run / 'pgbouncer.pid'}\n"
            "admin_users = postgres\n"
        )
        if AS_ROOT:
            for name in ("userlist.txt", "pgbouncer.ini"):
                shutil.chown(run / name, "postgres", "postgres")
        self.state["pgbouncer_target"] = target
        self._save()

    def _pgbouncer_pid(self) -> int | None:
        try:
            return int((self.dir / "pgbouncer" / "pgbouncer.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def start_pgbouncer(self) -> None:
        binary = _binary("pgbouncer", "pgbouncer")
        self._run([binary, "-d", str(self.dir / "pgbouncer" / "pgbouncer.ini")], server_user=True)
        _wait_for_port(self.ports["pgbouncer"], 20, "PgBouncer")

    def stop_pgbouncer(self) -> None:
        """SIGTERM: PgBouncer's immediate shutdown; clients in the middle of a query get an error."""
        self._terminate(self._pgbouncer_pid(), "PgBouncer", sig=signal.SIGTERM)

    def reload_pgbouncer(self) -> None:
        """SIGHUP: PgBouncer reads its configuration again, keeping its clients."""
        pid = self._pgbouncer_pid()
        if pid:
            os.kill(pid, signal.SIGHUP)

    # ------------------------------------------------------------------ Redis, Celery, gunicorn

    def _start_redis(self) -> None:
        run = self.dir / "redis"
        run.mkdir(exist_ok=True)
        self._run(
            [_binary("redis-server", "redis-server"), "--port", str(self.ports["redis"]), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(run), "--daemonize", "yes"]
            + ["--pidfile", str(run / "redis.pid"), "--logfile", str(run / "redis.log")]
        )
        _wait_for_port(self.ports["redis"], 20, "redis-server")

    def _spawn(self, name: str, cmd: list[str], env: dict) -> None:
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 — the child keeps it
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.state.setdefault("pids", {})[name] = proc.pid
        self._save()

    def start_workers(self) -> None:
        for name, queues in WORKERS.items():
            self._spawn(
                name,
                [str(PYTHON), "-m", "celery", "-A", "satisfaction", "worker", "-Q", queues, "-n", f"{name}@%h"]
                + ["--concurrency=1", "--loglevel=INFO", "--without-mingle"],
                self.env("worker"),
            )
        self._spawn(
            "beat",
            [str(PYTHON), "-m", "celery", "-A", "satisfaction", "beat", "--loglevel=INFO"]
            + ["--schedule", str(self.dir / "celerybeat-schedule"), "--pidfile="],
            self.env("worker"),
        )

    def start_web(self, *, workers: int = 2) -> None:
        self._spawn(
            "gunicorn",
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.ports['gunicorn']}"]
            + ["--graceful-timeout", "5", "--log-level", "warning", "satisfaction.wsgi:application"],
            self.env("web"),
        )
        _wait_for_port(self.ports["gunicorn"], 60, "gunicorn")

    def stop_web(self) -> None:
        self._terminate(self.state.get("pids", {}).get("gunicorn"), "gunicorn")

    def _terminate(self, pid: int | None, what: str, sig: int = signal.SIGTERM, wait: float = 20) -> None:
        if not _alive(pid):
            return
        os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            print(f"{what} (pid {pid}) did not stop in {wait:.0f}s: SIGKILL", file=sys.stderr)
            os.kill(pid, signal.SIGKILL)

    # ------------------------------------------------------------------ whole cluster

    def _manage(self, *args: str) -> str:
        return self._run([str(PYTHON), "manage.py", *args], env=self.env("worker"), timeout=1800)

    def running(self) -> bool:
        return bool(self.state) and _alive(self.state.get("pids", {}).get("gunicorn"))

    def start(self, *, responses: int | None = 20000, web_workers: int = 2) -> None:
        if self.running():
            print(f"The cluster already runs: {self.address}/")
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        if not self.state:
            names = ("primary", "standby", "pgbouncer", "redis", "gunicorn")
            self.state = {
                "ports": {n: _free_port() for n in names},
                "secret_key": secrets.token_urlsafe(40),
                "healthz_token": secrets.token_urlsafe(24),
            }
            self._save()
        busy = [n for n, p in self.ports.items() if _listening(p)]
        if busy:
            raise SystemExit(f"ports of {busy} are taken; `stop --destroy` and start again for new ones")
        print(f"starting the cluster in {self.dir} …", flush=True)
        self._init_primary()
        self.start_primary()
        self._create_database()
        self._init_standby()
        self.start_standby()
        self.write_pgbouncer_config(target=self.state.get("pgbouncer_target", "primary"))
        self.start_pgbouncer()
        self._start_redis()
        self._manage("migrate", "--noinput", "-v", "0")
        self._manage("collectstatic", "--noinput", "-v", "0")
        if responses:
            self._manage("seed_demo", "--if-empty", "--responses", str(responses))
        self.start_workers()
        self.start_web(workers=web_workers)
        print(self.describe())
        if responses:
            print(self._manage("seed_demo", "--print-accounts", "--base-url", self.address))
        print(f"Thước đo (cluster) is at {self.address}/  — stop it with `make cluster-stop`")

    def describe(self) -> str:
        p = self.ports
        return "\n".join(
            [
                f"  PostgreSQL primary   127.0.0.1:{p['primary']}",
                f"  PostgreSQL standby   127.0.0.1:{p['standby']} (streaming replication, hot standby)",
                f"  PgBouncer            127.0.0.1:{p['pgbouncer']} ({DATABASE}: transaction, {DATABASE}_session: session)",
                f"  redis-server         127.0.0.1:{p['redis']}",
                f"  Celery workers       {', '.join(f'{n} [{q}]' for n, q in WORKERS.items())}, beat",
                f"  gunicorn             127.0.0.1:{p['gunicorn']}",
                f"  logs                 {self.dir}/*.log, {self.dir}/logs/, {self.dir}/pgbouncer/",
            ]
        )

    def stop(self, *, destroy: bool = False) -> None:
        if not self.state:
            print("no cluster here")
            return
        pids = self.state.get("pids", {})
        for name in ("gunicorn", "beat", *WORKERS):
            self._terminate(pids.get(name), name)
        self.stop_pgbouncer()
        try:
            redis_pid = int((self.dir / "redis" / "redis.pid").read_text())
        except (OSError, ValueError):
            redis_pid = None
        self._terminate(redis_pid, "redis-server")
        for node in ("standby", "primary"):
            if (self.dir / node / "postmaster.pid").exists():
                try:
                    self._pg_ctl(self.dir / node, "stop", "-m", "fast")
                except RuntimeError as exc:
                    print(exc, file=sys.stderr)
        self.state["pids"] = {}
        self._save()
        if destroy:
            shutil.rmtree(self.dir, ignore_errors=True)
            print(f"cluster stopped and {self.dir} removed")
        else:
            print(f"cluster stopped; its data stays in {self.dir} (stop --destroy removes it)")

    def status(self) -> int:
        if not self.state:
            print("no cluster here")
            return 1
        print(self.describe())
        for name, pid in self.state.get("pids", {}).items():
            print(f"  {name:20} {'running' if _alive(pid) else 'stopped'} (pid {pid})")
        for name, port in self.ports.items():
            print(f"  :{port:<19} {name} {'listening' if _listening(port) else 'not listening'}")
        return 0 if self.running() else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "cluster", help="state (default var/cluster)")
    parser.add_argument("--responses", type=int, default=20000, help="demo answers to seed (default 20000)")
    parser.add_argument("--no-seed", action="store_true", help="migrate only; no demo city")
    parser.add_argument("--destroy", action="store_true", help="with stop: remove the data too")
    args = parser.parse_args(argv)
    if args.responses < 0:
        parser.error("--responses must not be negative")
    cluster = Cluster(args.dir.resolve())
    if args.action == "start":
        try:
            cluster.start(responses=None if args.no_seed else args.responses)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"the cluster did not start: {exc}\nstopping what did start …", file=sys.stderr)
            cluster.stop()
            return 1
        return 0
    if args.action == "stop":
        cluster.stop(destroy=args.destroy)
        return 0
    return cluster.status()


if __name__ == "__main__":
    sys.exit(main())
