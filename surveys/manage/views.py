"""Manager pages of the citizen journey: printed receipts, kiosks and API tokens (under /manage/).

Access goes through agencies.permissions only: `manage_page("manager")` lets a manager (or
administrator) in with `request.units`, the units of their subtree; another unit's object is a
404, as if it did not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.permissions import manage_page

from ..links import kiosk_url, qr_response, qr_svg_inline, survey_url
from ..models import ApiToken, Kiosk, Receipt
from . import selectors, services
from .forms import ApiTokenForm, KioskForm, ReceiptBatchForm


def _get_kiosk_for_user(request, pk: int) -> Kiosk:
    return get_object_or_404(
        Kiosk.objects.select_related("service_point__unit", "procedure"), pk=pk, service_point__unit__in=request.units
    )


def _get_token_for_user(request, pk: int) -> ApiToken:
    return get_object_or_404(ApiToken.objects.select_related("unit"), pk=pk, unit__in=request.units)


# --------------------------------------------------------------------------- receipts


@manage_page("manager")
@require_http_methods(["GET", "POST"])
def receipts(request):
    """Issue a batch of receipts to print (pre-printed slips for counters without the API)."""
    units = request.units
    form = ReceiptBatchForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.receipts_issue_batch(
                unit=data["unit"],
                count=data["count"],
                procedure=data["procedure"],
                service_point=data["service_point"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            ids = sorted(r.pk for r in batch)
            return redirect(f"{reverse('manage:receipt_sheet')}?from={ids[0]}&to={ids[-1]}")
    batches = selectors.recent_batches(user=request.user, units=units)
    return render(
        request, "manage/surveys/receipts.html", {"form": form, "batches": batches}, status=400 if form.errors else 200
    )


@manage_page("manager")
@never_cache
@require_GET
def receipt_sheet(request):
    """A print-ready sheet of receipts with QR codes: the user's receipts issued in one batch."""
    units = request.units
    try:
        first, last = int(request.GET["from"]), int(request.GET["to"])
    except (KeyError, ValueError):
        raise Http404 from None
    if last < first or last - first > 5000:
        raise Http404
    sheet = list(
        Receipt.objects.filter(pk__gte=first, pk__lte=last, issued_by=request.user, unit__in=units)
        .select_related("unit", "procedure", "service_point")
        .order_by("pk")
    )
    if not sheet:
        raise Http404
    cards = [{"receipt": r, "url": survey_url(r.code), "qr": qr_svg_inline(survey_url(r.code), scale=3)} for r in sheet]
    return render(
        request,
        "manage/surveys/receipt_sheet.html",
        {
            "cards": cards,
            "unit": sheet[0].unit,
            "site": settings.SITE_URL,
        },
    )


# --------------------------------------------------------------------------- kiosks


@manage_page("manager")
@require_http_methods(["GET", "POST"])
def kiosks(request):
    units = request.units
    form = KioskForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        kiosk = services.kiosk_register(user=request.user, **form.cleaned_data)
        messages.success(request, _("Kiosk registered. Open the address below on the tablet, or scan its QR code."))
        return redirect("manage:kiosk", pk=kiosk.pk)
    return render(
        request,
        "manage/surveys/kiosks.html",
        {
            "form": form,
            "kiosks": selectors.kiosks_for_units(units),
        },
        status=400 if form.errors else 200,
    )


@manage_page("manager")
@never_cache
@require_GET
def kiosk_detail(request, pk: int):
    kiosk = _get_kiosk_for_user(request, pk)
    url = kiosk_url(kiosk)
    return render(
        request,
        "manage/surveys/kiosk_detail.html",
        {
            "kiosk": kiosk,
            "url": url,
            "qr": qr_svg_inline(url, scale=6) if kiosk.revoked_at is None else "",
        },
    )


@manage_page("manager")
@never_cache
@require_GET
def kiosk_qr(request, pk: int, fmt: str):
    kiosk = _get_kiosk_for_user(request, pk)
    if kiosk.revoked_at is not None:
        raise Http404
    return qr_response(kiosk_url(kiosk), fmt)


@manage_page("manager")
@require_POST
def kiosk_revoke(request, pk: int):
    kiosk = _get_kiosk_for_user(request, pk)
    services.kiosk_revoke(kiosk=kiosk, user=request.user)
    messages.success(
        request, _("Kiosk “%(label)s” revoked. The tablet stops accepting answers.") % {"label": kiosk.label}
    )
    return redirect("manage:kiosks")


# --------------------------------------------------------------------------- API tokens


@manage_page("manager")
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request):
    """API tokens of the one-stop software. A new token is shown once, on the page that creates it."""
    units = request.units
    form = ApiTokenForm(request.POST or None, units=units)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.api_token_create(
            unit=form.cleaned_data["unit"], name=form.cleaned_data["name"], user=request.user
        )
        form = ApiTokenForm(units=units)
    response = render(
        request,
        "manage/surveys/tokens.html",
        {
            "form": form,
            "tokens": selectors.api_tokens_for_units(units),
            "new_key": new_key,
            "api_docs": reverse("api-docs"),
        },
        status=400 if form.errors else 200,
    )
    return response


@manage_page("manager")
@require_POST
def token_revoke(request, pk: int):
    token = _get_token_for_user(request, pk)
    services.api_token_revoke(token=token, user=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("manage:tokens")
