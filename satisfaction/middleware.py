"""Project-wide request handling: the page language, and database outages."""

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)


class VietnameseFirstMiddleware:
    """Vietnamese first: the page language is the one the visitor chose, else Vietnamese.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to English
    would open the survey in English. The portal is Vietnamese by default (DESIGN.md, Languages) and
    offers English through its switch, which sets the language cookie that LocaleMiddleware honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (restart, failover) is a temporary outage, not a bug.

    The visitor gets a 503 with Retry-After and a page that says to try again in a moment — and,
    on the survey, that nothing was stored, so sending again is safe (the idempotency key keeps
    a retried answer single). The page renders without touching the database.
    """

    RETRY_AFTER_SECONDS = 10

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
        # The page's context processors would load the signed-in user from the session — from the
        # database that is down — and turn the outage page into a 500: render it as for a visitor.
        request.user = AnonymousUser()
        session = getattr(request, "session", None)
        if session is not None and not hasattr(session, "_session_cache"):
            # Nor may SessionMiddleware load the session on the way out (SESSION_SAVE_EVERY_REQUEST):
            # an empty cache keeps the visitor's key and cookie; a 5xx response is never saved.
            session._session_cache = {}
        response = render(request, "unavailable.html", {"retry_after": self.RETRY_AFTER_SECONDS}, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
