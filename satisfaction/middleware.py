"""Project-wide request handling: the page language, database outages and input bounds."""

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

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
        return unavailable_response(request, exception)


def unavailable_response(request, exception) -> HttpResponse:
    """The 503 page with Retry-After; renders without the database (no context processors)."""
    retry_after = DatabaseUnavailableMiddleware.RETRY_AFTER_SECONDS
    logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
    # Middleware on the way out (no-store, sessions) would load the signed-in user from the session
    # store — the database that is down — and turn this page into a 500: answer as for a visitor,
    # and let the session keep its key and cookie without being loaded (a 5xx is never saved).
    request.user = AnonymousUser()
    session = getattr(request, "session", None)
    if session is not None and not hasattr(session, "_session_cache"):
        session._session_cache = {}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": _("The service is busy — please try again in a moment")}, status=503)
    else:
        html = render_to_string("unavailable.html", {"retry_after": retry_after, "request": request})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class InputBoundsMiddleware:
    """Refuses with 400, before any view or query runs, what no page of the portal can take:

    - a NUL character in the path, the query string or a form/JSON body (PostgreSQL cannot store
      or even compare it, so it used to end in a 500 wherever it reached a query);
    - an API body larger than API_MAX_BODY_BYTES (the JSON depth is bounded by the API's parser).

    One place for both databases; pages answer with a short page, the API with its error body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = self._refusal(request)
        if reason is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(reason)}, status=400)
        return render(request, "bad_input.html", {"reason": reason}, status=400)

    def _refusal(self, request):
        if "\x00" in request.path or _has_nul(request.META.get("QUERY_STRING", "")):
            return _("The address contains a character that is not allowed (NUL).")
        if request.method in ("POST", "PUT", "PATCH"):
            content_type = request.META.get("CONTENT_TYPE", "")
            if request.path.startswith("/api/"):
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                if length > settings.API_MAX_BODY_BYTES:
                    return _("The request body is too large (at most %(limit)d bytes).") % {
                        "limit": settings.API_MAX_BODY_BYTES
                    }
            if content_type.startswith("multipart/"):
                try:
                    values = [v for _k, vs in request.POST.lists() for v in vs]
                except RequestDataTooBig:
                    return _("The request body is too large.")
                except MultiPartParserError:
                    return _("The form could not be read.")
                if any("\x00" in v for v in values):
                    return _("The form contains a character that is not allowed (NUL).")
            else:
                try:
                    body = request.body
                except RequestDataTooBig:
                    return _("The request body is too large.")
                encoded = content_type.startswith("application/x-www-form-urlencoded") and b"%00" in body.lower()
                if b"\x00" in body or encoded or b"\\u0000" in body.lower():
                    return _("The form contains a character that is not allowed (NUL).")
        return None


def _has_nul(text: str) -> bool:
    return "\x00" in text or "%00" in text.lower()


class PrivateNoStoreMiddleware:
    """Whatever a signed-in person or an API token receives — pages, exports, API answers — is
    `Cache-Control: private, no-store`: a shared computer's browser cache or a proxy must not
    keep a dashboard or an export. Public pages keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or request.META.get("HTTP_AUTHORIZATION"):
            directives = {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}
            directives -= {"public"}
            directives |= {"private", "no-store"}
            response["Cache-Control"] = ", ".join(sorted(directives))
            response.headers.pop("Expires", None)
        return response
