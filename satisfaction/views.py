"""Project-level pages: the landing page and the operators' health check."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache

from . import replica

logger = logging.getLogger(__name__)


def home(request):
    from surveys.citizen.forms import CodeEntryForm

    return render(request, "home.html", {"form": CodeEntryForm()})


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 — any driver error means the database is not usable
        logger.warning("healthz: database check failed: %s", exc)
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def _check_broker_and_worker() -> tuple[dict, dict]:
    if not settings.CELERY_BROKER_URL:
        embedded = {"ok": True, "mode": "embedded (tasks run in-process)"}
        return embedded, embedded
    from satisfaction.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        broker = {"ok": True, "mode": "redis"}
    except Exception as exc:  # noqa: BLE001 — kombu raises many kinds; all mean unreachable
        logger.warning("healthz: broker check failed: %s", exc)
        return {"ok": False, "mode": "redis", "error": exc.__class__.__name__}, {"ok": False}
    try:
        replies = app.control.ping(timeout=1.0)
    except Exception as exc:  # noqa: BLE001 — a failed ping means no worker answered
        logger.warning("healthz: worker ping failed: %s", exc)
        replies = []
    return broker, {"ok": bool(replies), "workers": len(replies)}


def _check_rollup() -> dict:
    from reports.models import RollupRun

    try:
        last = RollupRun.objects.exclude(status=RollupRun.Status.RUNNING).order_by("-started_at").first()
    except Exception:  # noqa: BLE001 — the health check reports, it never raises
        return {"ok": False, "error": "unavailable"}
    if last is None:
        return {"ok": True, "last": None}
    return {
        "ok": last.status == RollupRun.Status.SUCCEEDED,
        "last": {
            "status": last.status,
            "mode": last.mode,
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
        },
    }


def _may_see_details(request) -> bool:
    """Operators with the HEALTHZ_TOKEN (`Authorization: Bearer <token>`) and administrators."""
    token = settings.HEALTHZ_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and constant_time_compare(header[7:].strip(), token):
        return True
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return False
    from agencies.permissions import is_administrator

    return user.is_superuser or is_administrator(user)


@never_cache
def healthz(request):
    """Liveness for everyone as up/down only; the parts (database vendor, broker, worker, last
    rollup) for administrators and for callers with the HEALTHZ_TOKEN — they help an attacker."""
    database = _check_database()
    broker, worker = _check_broker_and_worker()
    rollup = _check_rollup() if database["ok"] else {"ok": False, "error": "database down"}
    healthy = all(part["ok"] for part in (database, broker, worker, rollup))
    status = 200 if healthy else 503
    if not _may_see_details(request):
        return JsonResponse({"status": "up" if healthy else "down"}, status=status)
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": database,
        "broker": broker,
        "worker": worker,
        "rollup": rollup,
        # Informational: a replica that is down or lags only moves reads to the primary.
        "replica": replica.health_detail(),
    }
    return JsonResponse(body, status=status)


def server_error(request):
    """handler500: a database that went away is an outage (503 with Retry-After), not a bug.

    The middleware catches it in views; this catches it everywhere else — in a middleware's
    response phase (the session saved after the view), in a streamed export — where Django
    would otherwise answer its plain 500."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.views import defaults

    from .middleware import unavailable_response

    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        return unavailable_response(request, exception)
    return defaults.server_error(request)
