"""Links and QR codes of the citizen pages: the absolute address printed on a receipt or shown
for a kiosk, and its QR image (for a page or a download). A QR code only encodes the link."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse

from .codes import format_code
from .models import Kiosk


def survey_url(code: str) -> str:
    """The absolute link printed on a receipt and in its QR code."""
    return settings.SITE_URL + reverse("surveys:receipt_survey", kwargs={"code": format_code(code)})


def kiosk_url(kiosk: Kiosk) -> str:
    """The address a kiosk tablet opens (the token is the key)."""
    return settings.SITE_URL + reverse("surveys:kiosk", kwargs={"token": kiosk.token})


def _qr(url: str):
    return segno.make(url, error="m", micro=False)


def qr_response(url: str, fmt: str) -> HttpResponse:
    buffer = io.BytesIO()
    qr = _qr(url)
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title=url)
        return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    if fmt == "png":
        qr.save(buffer, kind="png", scale=8, border=2)
        return HttpResponse(buffer.getvalue(), content_type="image/png")
    raise Http404


def qr_svg_inline(url: str, scale: int = 4) -> str:
    """An SVG element to embed in a page (print sheets, kiosk registration)."""
    buffer = io.BytesIO()
    _qr(url).save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, svgclass="qr", lineclass=None, title=url
    )
    return buffer.getvalue().decode()
