"""Reads on a PostgreSQL hot standby (docs/operations.md, Read replica).

The rule: a GET or HEAD of a page that only shows scores — dashboards, compare, open data, their
exports, the score API (settings.REPLICA_READ_PATHS) — reads from the `replica` alias, if one is
configured (DATABASE_REPLICA_URL), it answers, and it lags the primary by no more than
REPLICA_MAX_LAG_SECONDS. Everything else reads and writes on `default` (the primary):

- every write, and every request that is not GET/HEAD;
- sign-in, sessions and permissions' own tables (PRIMARY_ONLY_APPS), whatever the page;
- Celery tasks, management commands and the rollup (they never pass through the middleware);
- read-your-own-writes: after a client's POST/PUT/PATCH/DELETE, a cookie pins that client to the
  primary for REPLICA_PIN_SECONDS, so a manager who just published or excluded something sees it;
- a replica that is down, lagging or no longer a standby (promoted): reads fall back to the
  primary, a warning is logged once per change of state, and /healthz shows the state and lag;
- a replica that fails during a page: the page is read again from the primary (never a 500).

The replica's state is probed at most every REPLICA_CHECK_SECONDS per process, so a page pays
for the probe rarely; each response says where it read in the X-Read-From header.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "thuocdo_primary"
# Tables that decide who someone is and what they may do are always read where they are written.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "axes", "admin", "contenttypes"})

# Lag 0 when everything received has been replayed (an idle primary writes nothing to replay);
# otherwise the age of the last replayed transaction.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


@dataclass
class _Reads:
    """Where this request's reads go; `used` says whether any query went to the replica."""

    on_replica: bool
    used: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("thuocdo_replica_reads", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


# --------------------------------------------------------------------------- router


class ReplicaRouter:
    """Django database router: reads go to the replica only while the middleware says so."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if reads is None or not reads.on_replica or model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        reads.used = True
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY  # a standby is read-only; it receives the schema by replication


# --------------------------------------------------------------------------- health


@dataclass
class ReplicaHealth:
    state: str  # ok, lagging, down, not_standby, not_configured
    lag_seconds: float | None = None
    error: str = ""
    checked_at: float = field(default_factory=time.monotonic)

    @property
    def usable(self) -> bool:
        return self.state == "ok"


_health: ReplicaHealth | None = None
_health_lock = threading.Lock()


def _probe() -> ReplicaHealth:
    conn = connections[REPLICA]
    # A persistent connection the standby closed under a page ("connection already closed") is not
    # reusable: drop it so the probe dials afresh instead of failing on the dead socket.
    conn.close_if_unusable_or_obsolete()
    try:
        with conn.cursor() as cursor:
            if conn.vendor != "postgresql":
                cursor.execute("SELECT 1")  # the embedded mode's tests mirror the primary
                return ReplicaHealth("ok", 0.0)
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except (DatabaseError, InterfaceError) as exc:  # InterfaceError is not a DatabaseError in Django
        try:
            conn.close()  # a persistent connection to a dead server must not be reused
        except (DatabaseError, InterfaceError):
            pass
        return ReplicaHealth("down", error=f"{exc.__class__.__name__}: {str(exc).strip()[:200]}")
    if not in_recovery:
        # Promoted: it takes writes now and may differ from the primary we write to.
        return ReplicaHealth("not_standby")
    lag = float(lag or 0.0)
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        return ReplicaHealth("lagging", lag_seconds=lag)
    return ReplicaHealth("ok", lag_seconds=lag)


def health(*, fresh: bool = False) -> ReplicaHealth:
    """The replica's state, probed at most every REPLICA_CHECK_SECONDS in this process."""
    global _health
    if not configured():
        return ReplicaHealth("not_configured")
    with _health_lock:
        previous = _health
        if (
            not fresh
            and previous is not None
            and time.monotonic() - previous.checked_at < settings.REPLICA_CHECK_SECONDS
        ):
            return previous
        current = _probe()
        _health = current
    if current.usable and previous is not None and not previous.usable:
        logger.warning("read replica is back (lag %.1fs): reads return to it", current.lag_seconds or 0)
    elif not current.usable and (previous is None or previous.state != current.state):
        logger.warning(
            "read replica %s%s%s: reads fall back to the primary",
            current.state,
            f" (lag {current.lag_seconds:.1f}s > {settings.REPLICA_MAX_LAG_SECONDS}s)" if current.lag_seconds else "",
            f" ({current.error})" if current.error else "",
        )
    return current


def health_detail() -> dict:
    """The replica's part of /healthz's detailed view. A replica that is down does not make the
    portal unhealthy (reads fall back), so this part has no `ok` that fails the check."""
    if not configured():
        return {"configured": False, "reads_on": "primary"}
    current = health(fresh=True)
    detail = {
        "configured": True,
        "state": current.state,
        "lag_seconds": None if current.lag_seconds is None else round(current.lag_seconds, 3),
        "max_lag_seconds": settings.REPLICA_MAX_LAG_SECONDS,
        "reads_on": "replica" if current.usable else "primary",
    }
    if current.error:
        detail["error"] = current.error.split(":")[0]
    return detail


# --------------------------------------------------------------------------- middleware


def reads_on_replica(request) -> bool:
    """Whether this request may read from the replica (before asking whether the replica is fit)."""
    return (
        configured()
        and request.method in ("GET", "HEAD")
        and not request.COOKIES.get(PIN_COOKIE)
        and request.path.startswith(tuple(settings.REPLICA_READ_PATHS))
    )


def _keep_reads(reads: _Reads, content):
    """A streamed export reads while it is sent, after the view returned: keep its reads where they were."""
    iterator = iter(content)
    while True:
        token = _reads.set(reads)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reads.reset(token)
        yield chunk


class ReplicaReadsMiddleware:
    """Sends the reads of score pages to the replica, pins writers to the primary, and reads a page
    again from the primary when the replica fails under it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        on_replica = reads_on_replica(request) and health().usable
        reads = _Reads(on_replica=on_replica)
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        streamed = getattr(response, "streaming", False) and reads.on_replica
        if streamed:
            response.streaming_content = _keep_reads(reads, response.streaming_content)
        if configured():
            response["X-Read-From"] = "replica" if reads.on_replica and (reads.used or streamed) else "primary"
            if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reads = _reads.get()
        if reads is None or not reads.on_replica:
            return None
        try:
            response = view_func(request, *view_args, **view_kwargs)
            if callable(getattr(response, "render", None)):
                response = response.render()  # template and API responses read while rendering
            return response
        except (OperationalError, InterfaceError) as exc:
            # Was it the replica? Ask it afresh: a failed probe marks it down with a warning. Either
            # way the page is read again from the primary: Django calls the view once more (a GET),
            # and if the primary fails too, that error reaches the outage page (503), not a 500.
            if reads.used and health(fresh=True).usable:
                logger.info("a score page failed on the primary, not the replica: %s", exc)
            reads.on_replica = False
            return None
