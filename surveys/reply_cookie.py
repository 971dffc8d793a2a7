"""The cookie that holds a citizen's reply key on their own device.

The key itself is made and checked by the feedback app (feedback.reply_keys); this module only
knows where it lives: an HttpOnly, SameSite=Lax cookie scoped to the receipt's own path
(`/r/<code>/`), so it goes with the thank-you page and the reply page of that receipt and
nowhere else, and no script can read it.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .codes import format_code, normalise_reply_key

COOKIE_NAME = "reply_key"
MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days; a reply may take months


def cookie_path(display_code: str) -> str:
    return reverse("surveys:receipt_survey", kwargs={"code": display_code})


def set_cookie(http_response, *, display_code: str, key: str) -> None:
    http_response.set_cookie(
        COOKIE_NAME,
        key,
        max_age=MAX_AGE,
        path=cookie_path(display_code),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def delete_cookie(http_response, *, display_code: str) -> None:
    http_response.delete_cookie(COOKIE_NAME, path=cookie_path(display_code), samesite="Lax")


def key_from(request) -> str | None:
    """The normalised key in the request's cookie, None when there is none (or it is malformed)."""
    return normalise_reply_key(request.COOKIES.get(COOKIE_NAME, ""))


def display_key(key: str) -> str:
    return format_code(key)
