"""Citizen pages: code entry, the survey for a receipt, kiosk mode, open links, QR images.

Manager pages of receipts, kiosks and API tokens live in `surveys.manage`; links and QR images
in `surveys.links`.
"""

from __future__ import annotations

import logging
import uuid

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Unit

from .. import ratelimit, reply_cookie, selectors
from ..codes import format_code, normalise_code
from ..links import qr_response, survey_url
from ..models import Response, Survey
from .forms import CodeEntryForm, SurveyForm
from .services import SubmissionRefused, response_submit

logger = logging.getLogger(__name__)


def _too_many(request, wait: int):
    response = render(request, "surveys/too_many.html", {"wait_minutes": max(1, (wait + 59) // 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _unavailable(request, reason: str, *, status: int, receipt=None):
    """A friendly page for a code or survey that cannot be answered, with the way forward."""
    return render(
        request,
        "surveys/unavailable.html",
        {"reason": reason, "receipt": receipt, "form": CodeEntryForm()},
        status=status,
    )


# --------------------------------------------------------------------------- code entry


@require_http_methods(["GET", "POST"])
def enter_code(request):
    """The code box on the home page: forgiving about case, dashes and spaces; rate-limited."""
    if request.method == "GET":
        # E.g. the language switch on a refused code returns here: the box is on the home page.
        return redirect("home")
    # The cool-down applies where the code is looked up (_receipt_or_refusal), which lets valid codes through.
    form = CodeEntryForm(request.POST)
    if not form.is_valid():
        return render(request, "home.html", {"form": form}, status=400)
    return redirect("surveys:receipt_survey", code=format_code(form.cleaned_data["code"]))


CODE_PASS_COOKIE = "td_pass"


def _receipt_or_refusal(request, raw_code: str):
    """(receipt, None) when the code exists, else (None, the page to show). Counts wrong codes.

    An address that typed too many wrong codes is slowed down, not locked out: a shared address
    (office Wi-Fi, a carrier's NAT) also carries citizens with valid codes. While it cools down,
    a code this browser already opened passes (a signed cookie names it), and one other code is
    checked every few seconds (ratelimit.trickle); a wrong one extends the cool-down. Guessing stays
    as slow as before, a citizen with a real receipt waits seconds at most.
    """
    ident = ratelimit.client_hash(request)
    code = normalise_code(raw_code)
    wait = ratelimit.blocked_for("code", ident)
    if wait:
        passed = code and request.get_signed_cookie(CODE_PASS_COOKIE, default="", salt="code-pass") == code
        if not passed and not ratelimit.trickle("code", ident):
            return None, _too_many(request, min(wait, ratelimit.trickle_seconds()))
    receipt = selectors.receipt_by_code(code) if code else None
    if receipt is None:
        wait = ratelimit.hit("code", ident)
        if wait or ratelimit.blocked_for("code", ident):
            return None, _too_many(request, wait or ratelimit.blocked_for("code", ident))
        return None, _unavailable(request, "unknown", status=404)
    request.code_pass = receipt.code
    return receipt, None


def _with_code_pass(request, response):
    """Remember, for this browser, the code it opened (it passes a cool-down of its address)."""
    code = getattr(request, "code_pass", None)
    if code:
        response.set_signed_cookie(
            CODE_PASS_COOKIE,
            code,
            salt="code-pass",
            max_age=3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


# --------------------------------------------------------------------------- the survey for a receipt


def _new_form_initial(version) -> dict:
    return {"version": version.pk, "idempotency_key": uuid.uuid4()}


@never_cache
@require_http_methods(["GET", "POST"])
def receipt_survey(request, code: str):
    """The survey of one receipt (the QR code points here). POST stores the answers exactly once."""
    return _with_code_pass(request, _receipt_survey(request, code))


def _receipt_survey(request, code: str):
    receipt, refusal = _receipt_or_refusal(request, code)
    if refusal is not None:
        return refusal
    if request.method == "GET" and code != receipt.display_code:
        # Typed in lower case or without dashes: show the canonical address.
        return redirect("surveys:receipt_survey", code=receipt.display_code)
    if receipt.used_at is not None:
        if request.method == "POST":
            return _maybe_same_submission(request, receipt)
        return _unavailable(request, "used", status=410, receipt=receipt)
    if receipt.is_expired():
        return _unavailable(request, "expired", status=410, receipt=receipt)
    version = selectors.applicable_version(unit=receipt.unit)
    if version is None:
        return _unavailable(request, "closed", status=410, receipt=receipt)
    questions = selectors.version_questions(version)
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=questions, version=version)
        if form.is_valid():
            try:
                result = response_submit(
                    version=version,
                    unit=receipt.unit,
                    channel=Response.Channel.RECEIPT,
                    answers=form.answers(),
                    comment=form.cleaned_data.get("comment", ""),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    language=get_language() or "vi",
                    receipt=receipt,
                    service_point=receipt.service_point,
                    procedure=receipt.procedure,
                    client_hash=ratelimit.client_hash(request),
                )
            except SubmissionRefused as refused:
                return _refused(request, refused.reason, receipt)
            thanks = redirect("surveys:receipt_thanks", code=receipt.display_code)
            if result.extras.get("reply_key"):
                # Only this device learns the key: the thank-you page shows it from the cookie.
                reply_cookie.set_cookie(thanks, display_code=receipt.display_code, key=result.extras["reply_key"])
            return thanks
        status = 400
        form = _repaired(form, request.POST, questions=questions, version=version)
    else:
        form = SurveyForm(initial=_new_form_initial(version), questions=questions, version=version)
        status = 200
    return render(
        request,
        "surveys/survey.html",
        {
            "form": form,
            "version": version,
            "receipt": receipt,
            "unit": receipt.unit,
            "procedure": receipt.procedure,
            "action": request.path,
        },
        status=status,
    )


def _repaired(form: SurveyForm, data, *, questions, version, **options) -> SurveyForm:
    """A refused form the citizen can send again, with the reason at the top.

    A form of another version (the survey was republished meanwhile) is replaced by a fresh one
    of the version that applies now; a damaged idempotency key is replaced, so that sending again
    works; every other answer stays as it was typed.
    """
    if "version" in form.errors:
        fresh = SurveyForm(initial=_new_form_initial(version), questions=questions, version=version, **options)
        fresh.notice = form.errors["version"][0]
        return fresh
    if "idempotency_key" in form.errors:
        message = form.errors["idempotency_key"][0]
        data = data.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        form = SurveyForm(data, questions=questions, version=version, **options)
        form.is_valid()
        form.add_error(None, message)
    return form


def _refused(request, reason: str, receipt):
    if reason == "used":
        # Lost the race against another submission of the same code.
        return _unavailable(request, "used", status=409, receipt=receipt)
    if reason == "expired":
        return _unavailable(request, "expired", status=410, receipt=receipt)
    return _unavailable(request, "tampered", status=400, receipt=receipt)


def _maybe_same_submission(request, receipt):
    """A POST for a used receipt: the same submission again (double click, retry) sees its thank-you."""
    previous = selectors.response_for_receipt(receipt)
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        key = None
    if previous is not None and key is not None and previous.idempotency_key == key:
        return redirect("surveys:receipt_thanks", code=receipt.display_code)
    return _unavailable(request, "used", status=409, receipt=receipt)


@never_cache
@require_GET
def receipt_thanks(request, code: str):
    receipt, refusal = _receipt_or_refusal(request, code)
    if refusal is not None:
        return refusal
    if receipt.used_at is None:
        return redirect("surveys:receipt_survey", code=receipt.display_code)
    key = reply_cookie.key_from(request)
    return render(
        request,
        "surveys/thanks.html",
        {
            "unit": receipt.unit,
            "again_url": None,
            "reply_key": reply_cookie.display_key(key) if key else None,
        },
    )


# --------------------------------------------------------------------------- QR images


@cache_control(public=True, max_age=86400)
@require_GET
def receipt_qr(request, code: str, fmt: str):
    """The QR code of a receipt's survey link. It only encodes the link, so it reveals nothing."""
    normalised = normalise_code(code)
    if normalised is None:
        raise Http404
    return qr_response(survey_url(normalised), fmt)


# --------------------------------------------------------------------------- kiosk mode


def _kiosk_questions(version):
    """The questions marked for kiosks; a survey that marks none shows all of them, never an empty form."""
    return selectors.version_questions(version, kiosk_only=True) or selectors.version_questions(version)


def _kiosk_or_404(token: str):
    kiosk = selectors.kiosk_by_token(token)
    if kiosk is None:
        raise Http404
    return kiosk


def _kiosk_context(kiosk, form, version):
    return {"kiosk": kiosk, "form": form, "version": version, "unit": kiosk.unit, "procedure": kiosk.procedure}


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request, token: str):
    """Kiosk mode on a counter tablet: the short questions on one screen, back to the start after each answer.

    With JavaScript (static/js/kiosk.js) answers go to `kiosk_submit` and are retried until stored;
    without it, this plain form posts here and the thank-you page returns to the start.
    """
    kiosk_obj = selectors.kiosk_by_token(token)
    if kiosk_obj is None:
        return render(request, "surveys/kiosk_unavailable.html", status=404)
    version = selectors.applicable_version(unit=kiosk_obj.unit)
    if version is None:
        return render(request, "surveys/kiosk_unavailable.html", {"closed": True}, status=410)
    questions = _kiosk_questions(version)
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=questions, version=version, with_comment=False)
        outcome = _kiosk_store(request, kiosk_obj, version, form)
        if outcome["status"] in (200, 201):
            return redirect("surveys:kiosk_thanks", token=token)
        if outcome["status"] == 429:
            return _too_many(request, outcome["retry_after"])
        status = 400
        form = _repaired(form, request.POST, questions=questions, version=version, with_comment=False)
    else:
        form = SurveyForm(initial=_new_form_initial(version), questions=questions, version=version, with_comment=False)
        status = 200
    return render(request, "surveys/kiosk.html", _kiosk_context(kiosk_obj, form, version), status=status)


def _kiosk_store(request, kiosk_obj, version, form) -> dict:
    if not form.is_valid():
        return {"status": 400, "errors": [message for _anchor, message in form.error_summary()]}
    key = form.cleaned_data["idempotency_key"]
    # A retry of an answer already stored is acknowledged without counting against the limit.
    if not Response.objects.filter(idempotency_key=key).exists():
        wait = ratelimit.hit("kiosk", ratelimit.device_hash(kiosk_obj.pk))
        if wait:
            return {"status": 429, "retry_after": wait}
    try:
        result = response_submit(
            version=version,
            unit=kiosk_obj.unit,
            channel=Response.Channel.KIOSK,
            answers=form.answers(),
            idempotency_key=key,
            language=get_language() or "vi",
            kiosk=kiosk_obj,
            service_point=kiosk_obj.service_point,
            procedure=kiosk_obj.procedure,
            client_hash=ratelimit.device_hash(kiosk_obj.pk),
        )
    except SubmissionRefused:
        return {"status": 400, "errors": [_("The form is incomplete. Please reload the page and answer again.")]}
    return {"status": 201 if result.created else 200}


@never_cache
@require_POST
def kiosk_submit(request, token: str):
    """The kiosk's JSON endpoint: 201 stored, 200 already stored (a retry), 4xx with messages."""
    kiosk_obj = selectors.kiosk_by_token(token)
    if kiosk_obj is None:
        return JsonResponse({"ok": False, "errors": [_("This kiosk has been switched off.")]}, status=404)
    version = selectors.recent_kiosk_version(
        unit=kiosk_obj.unit,
        posted=request.POST.get("version", ""),
        current=selectors.applicable_version(unit=kiosk_obj.unit),
    )
    if version is None:
        return JsonResponse({"ok": False, "errors": [_("This survey is closed.")]}, status=410)
    form = SurveyForm(
        request.POST,
        questions=_kiosk_questions(version),
        version=version,
        with_comment=False,
    )
    outcome = _kiosk_store(request, kiosk_obj, version, form)
    status = outcome.pop("status")
    response = JsonResponse({"ok": status in (200, 201), **outcome}, status=status)
    if status == 429:
        response["Retry-After"] = str(outcome["retry_after"])
    return response


@never_cache
@require_GET
def kiosk_thanks(request, token: str):
    kiosk_obj = _kiosk_or_404(token)
    return render(request, "surveys/kiosk_thanks.html", {"kiosk": kiosk_obj, "unit": kiosk_obj.unit})


# --------------------------------------------------------------------------- open link


def _open_link_target(slug: str, unit_code: str):
    survey = get_object_or_404(Survey.objects.select_related("owner"), slug=slug, allow_open_link=True)
    unit = get_object_or_404(Unit, code=unit_code, active=True)
    if not unit.is_in_subtree_of(survey.owner):
        raise Http404
    return survey, unit


def _open_version(survey, unit):
    version = selectors.applicable_version(unit=unit)
    if version is None or version.survey_id != survey.pk:
        return None
    return version


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request, slug: str, unit_code: str):
    """A survey without a receipt, when the survey allows it. Reported separately (channel "link")."""
    survey, unit = _open_link_target(slug, unit_code)
    version = _open_version(survey, unit)
    if version is None:
        return _unavailable(request, "closed", status=410)
    questions = selectors.version_questions(version)
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=questions, version=version, honeypot=True)
        if form.is_valid():
            thanks = reverse("surveys:open_link_thanks", kwargs={"slug": slug, "unit_code": unit_code})
            if form.is_robot:
                logger.info("open link: honeypot filled, answer dropped")
                return redirect(thanks)
            ident = ratelimit.client_hash(request)
            key = form.cleaned_data["idempotency_key"]
            if not Response.objects.filter(idempotency_key=key).exists():
                wait = ratelimit.blocked_for("link", ident) or ratelimit.hit("link", ident)
                if wait:
                    return _too_many(request, wait)
            try:
                response_submit(
                    version=version,
                    unit=unit,
                    channel=Response.Channel.LINK,
                    answers=form.answers(),
                    comment=form.cleaned_data.get("comment", ""),
                    idempotency_key=key,
                    language=get_language() or "vi",
                    client_hash=ident,
                )
            except SubmissionRefused:
                return _unavailable(request, "tampered", status=400)
            return redirect(thanks)
        status = 400
        form = _repaired(form, request.POST, questions=questions, version=version, honeypot=True)
    else:
        form = SurveyForm(initial=_new_form_initial(version), questions=questions, version=version, honeypot=True)
    return render(
        request,
        "surveys/survey.html",
        {
            "form": form,
            "version": version,
            "unit": unit,
            "receipt": None,
            "procedure": None,
            "action": request.path,
            "open_link": True,
        },
        status=status,
    )


@require_GET
def open_link_thanks(request, slug: str, unit_code: str):
    _survey, unit = _open_link_target(slug, unit_code)
    return render(request, "surveys/thanks.html", {"unit": unit, "now": timezone.now()})
