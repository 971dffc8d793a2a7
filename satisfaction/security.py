"""Sign-in lockout (django-axes): the client address it keys on, and the page it shows when a username+client
pair is locked."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.audit import Action, record
from agencies.models import AuditEvent
from surveys.ratelimit import client_address

logger = logging.getLogger(__name__)


def axes_client_ip(request: HttpRequest) -> str | None:
    """The client address for sign-in lockout: the rate limits' rule (NUM_PROXIES), but only a valid IP.

    The login log stores it in an IP column; a forged X-Forwarded-For ("foo") or a request without
    REMOTE_ADDR must neither break sign-in (PostgreSQL refuses a non-IP) nor name a fake client.
    """
    for candidate in (client_address(request), request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return None


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """Explain the lockout in the user's language (429) and leave one audit event per lockout.

    The rule protected: after AXES_FAILURE_LIMIT wrong passwords, that username from that client waits
    AXES_COOLOFF_TIME; the page says how long, without saying whether the username exists.
    """
    username = ""
    if credentials:
        username = str(credentials.get("username") or "")[:150]
    elif request.method == "POST":
        username = str(request.POST.get("username") or "")[:150]
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    try:
        # One event per lockout, not per refused attempt: a guessing script must not flood the log.
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        already = AuditEvent.objects.filter(action=Action.SIGN_IN_LOCKED, object_label=username, at__gte=since)
        if not already.exists():
            record(
                actor=None,
                actor_name=username,
                action=Action.SIGN_IN_LOCKED,
                object_type="auth.user",
                object_label=username,
                details={"failure_limit": settings.AXES_FAILURE_LIMIT},
            )
    except Exception:  # the lockout itself must hold even if the log cannot be written
        logger.exception("could not record a sign-in lockout")
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/lockout.html", context, status=429)
