"""Pages of the feedback app: the citizen's reply page, replies, comments by topic, actions,
improvement plans, alert settings and the monthly PDF. Thin views; writes in services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Unit
from agencies.permissions import administered_units, can_manage, manageable_units, visible_units
from reports import anonymity
from surveys import ratelimit, reply_cookie
from surveys import selectors as survey_selectors
from surveys.codes import normalise_code
from surveys.models import Response

from . import plans, reply_keys, reports, selectors, services
from .forms import ActionForm, AlertPreferenceForm, PlanForm, ReplyForm, ReplyKeyForm, WithdrawForm
from .models import AlertPreference, MonthlyReport, Topic

COMMENTS_PAGE_SIZE = 50


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --------------------------------------------------------------------------- the citizen's reply


def _too_many(wait: int, request):
    response = render(request, "surveys/too_many.html", {"wait_minutes": max(1, (wait + 59) // 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def reply_for_code(request, code: str):
    """The citizen's comment and the unit's reply, for the one who holds the code *and* the reply key.

    The code alone opens nothing (the clerk who printed the receipt knows it): the key comes from
    the cookie set at submission on the citizen's device, or is typed in the form (POST, which
    then sets the cookie on this device too). Without the key, a code that was never answered, a
    comment not answered yet and a withdrawn reply all show the same page with the key form: it
    never tells whether the receipt was used. Wrong codes and wrong keys (typed or in a cookie)
    count towards the same rate limit as the code box on the home page.
    """
    ident = ratelimit.client_hash(request)
    wait = ratelimit.blocked_for("code", ident)
    if wait:
        return _too_many(wait, request)
    normalised = normalise_code(code)
    receipt = survey_selectors.receipt_by_code(normalised) if normalised else None
    if receipt is None:
        ratelimit.hit("code", ident)
        return render(request, "feedback/reply_citizen.html", {"unknown": True}, status=404)
    if code != receipt.display_code:
        return redirect("feedback:reply_for_code", code=receipt.display_code)
    form = ReplyKeyForm(request.POST or None)
    if request.method == "POST":
        key = form.cleaned_data["key"] if form.is_valid() else None
        if key and reply_keys.matches(receipt=receipt, key=key):
            page = redirect("feedback:reply_for_code", code=receipt.display_code)
            reply_cookie.set_cookie(page, display_code=receipt.display_code, key=key)
            return page
        wait = ratelimit.hit("code", ident)
        if wait:
            return _too_many(wait, request)
        if key:  # a well-formed key that is not this receipt's; a malformed one keeps the form's own error
            form.add_error("key", _("This key does not open a reply for this code. Check the key and the code."))
        return _reply_page(request, receipt, form, status=400)
    key = reply_cookie.key_from(request)
    if key is None:
        return _reply_page(request, receipt, form)
    if reply_keys.matches(receipt=receipt, key=key):
        return _reply_page(request, receipt, form, own=selectors.own_comment(receipt))
    wait = ratelimit.hit("code", ident)  # a forged or stale cookie is a wrong key too
    page = _too_many(wait, request) if wait else _reply_page(request, receipt, form)
    reply_cookie.delete_cookie(page, display_code=receipt.display_code)
    return page


def _reply_page(request, receipt, form, *, own=None, status: int = 200):
    context = {"code": receipt.display_code, "unit": receipt.unit, "form": form}
    if own is not None:
        context["response"], context["reply"] = own
    return render(request, "feedback/reply_citizen.html", context, status=status)


# --------------------------------------------------------------------------- managers: replies


@login_required
@require_POST
def reply_edit(request, ref: str):
    """Publish, change or withdraw the reply to one comment (from the moderation page).

    Addressed by the response's opaque reference, like the moderation page (ids are a clock)."""
    response_id = anonymity.pk_from_reference(ref)
    if response_id is None:
        raise Http404
    response = get_object_or_404(Response.objects.filter(unit__in=manageable_units(request.user)), pk=response_id)
    back = redirect("manage:moderation_detail", ref=ref)
    try:
        if request.POST.get("action") == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why the reply is withdrawn."))
                return back
            services.reply_withdraw(response_id=response.pk, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The reply is withdrawn; the citizen no longer sees it."))
        else:
            form = ReplyForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
                return back
            services.reply_publish(response_id=response.pk, user=request.user, text=form.cleaned_data["text"])
            messages.success(
                request, _("The reply is published; the citizen reads it with their receipt code and reply key.")
            )
    except ValidationError as error:
        messages.error(request, _message(error))
    except PermissionDenied:
        raise
    return back


# --------------------------------------------------------------------------- comments by topic


def _visible_unit_or_404(user, code: str) -> Unit:
    return get_object_or_404(visible_units(user), code=code)


@login_required
@require_GET
def unit_comments(request, code: str):
    """The unit's comments (its subtree), filterable by topic; each with a date, never a time."""
    unit = _visible_unit_or_404(request.user, code)
    topic = request.GET.get("topic", "")
    if topic and topic not in Topic.values:
        messages.error(request, _("There is no such topic; all comments are shown."))
        topic = ""
    page = Paginator(selectors.unit_comments(unit=unit, topic=topic), COMMENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    topic_map = selectors.topics_of([r.pk for r in page])
    rows = [(r, [Topic(t).label for t in topic_map.get(r.pk, [])]) for r in page]
    return render(
        request,
        "feedback/comments.html",
        {
            "unit": unit,
            "page": page,
            "rows": rows,
            "topic": topic,
            "topics": Topic.choices,
            "query": f"topic={topic}" if topic else "",
        },
    )


# --------------------------------------------------------------------------- you said, we did


@require_GET
def actions_public(request, code: str):
    """Public: what the unit did in answer to feedback (linked from its open-data entry)."""
    unit = get_object_or_404(Unit.objects.filter(active=True), code=code)
    return render(
        request,
        "feedback/actions_public.html",
        {"unit": unit, "actions": selectors.public_actions(unit), "can_manage": can_manage(request.user, unit)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def actions_manage(request, code: str):
    unit = get_object_or_404(manageable_units(request.user), code=code)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_publish(unit=unit, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _message(error))
        else:
            messages.success(request, _("The action is published on the unit's public page."))
            return redirect("feedback:actions_manage", code=unit.code)
    return render(
        request,
        "feedback/actions_manage.html",
        {"unit": unit, "form": form, "actions": selectors.public_actions(unit)},
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- improvement plans


@login_required
@require_GET
def plans_overview(request):
    """Units that owe a plan, overdue plans, and whether units recovered; managers see their units."""
    units = manageable_units(request.user)
    if not units.exists():
        raise PermissionDenied
    return render(
        request,
        "feedback/plans.html",
        {"rows": plans.overview(units=units), "is_admin": administered_units(request.user).exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_file(request, code: str, month: str):
    unit = get_object_or_404(manageable_units(request.user), code=code)
    trigger = _month_or_404(month)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_file(unit=unit, user=request.user, trigger_month=trigger, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _message(error))
        else:
            messages.success(request, _("The improvement plan is filed."))
            return redirect("feedback:plans")
    return render(
        request,
        "feedback/plan_form.html",
        {"unit": unit, "month": trigger, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _month_or_404(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise Http404 from exc


# --------------------------------------------------------------------------- alert settings


@login_required
@require_http_methods(["GET", "POST"])
def alert_settings(request):
    preference, _created = AlertPreference.objects.get_or_create(user=request.user)
    form = AlertPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your alert settings are saved."))
        return redirect("feedback:alert_settings")
    return render(
        request,
        "feedback/alert_settings.html",
        {"form": form, "email": request.user.email},
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- monthly PDF


@login_required
@require_http_methods(["GET", "POST"])
def monthly_report(request, code: str, month: str):
    """GET: the PDF when it is ready, else its status; POST: prepare it (a Celery task)."""
    unit = _visible_unit_or_404(request.user, code)
    first = _month_or_404(month)
    if first > timezone.localdate().replace(day=1):
        raise Http404
    if request.method == "POST":
        reports.request_report(unit_id=unit.pk, month=first)
        return redirect("feedback:monthly_report", code=unit.code, month=month)
    report = MonthlyReport.objects.filter(unit=unit, month=first).first()
    if report is not None and report.status == MonthlyReport.Status.READY and request.GET.get("view") != "status":
        response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.code}-{first:%Y-%m}.pdf"'
        return response
    return render(request, "feedback/report_status.html", {"unit": unit, "month": first, "report": report})
