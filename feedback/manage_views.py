"""The managers' pages of the feedback app under /manage/: the reply to a comment (posted from the
moderation page), actions taken ("you said, we did") and improvement plans.

Each opens with `manage_page("manager")`; the pages about one unit or response are object pages:
anyone for whom it is not among `request.units` gets a 404, whatever their role.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.permissions import is_administrator, manage_page
from reports import anonymity
from surveys.models import Response

from . import plans, selectors, services
from .forms import ActionForm, PlanForm, ReplyForm, WithdrawForm
from .views import month_or_404


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --------------------------------------------------------------------------- replies


@manage_page("manager", object_page=True)
@require_POST
def reply_edit(request, ref: str):
    """Publish, change or withdraw the reply to one comment (from the moderation page).

    Addressed by the response's opaque reference, like the moderation page (ids are a clock)."""
    response_id = anonymity.pk_from_reference(ref)
    if response_id is None:
        raise Http404
    response = get_object_or_404(Response.objects.filter(unit__in=request.units), pk=response_id)
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
    return back


# --------------------------------------------------------------------------- actions taken


@manage_page("manager", object_page=True)
@require_http_methods(["GET", "POST"])
def actions_manage(request, code: str):
    unit = get_object_or_404(request.units, code=code)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_publish(unit=unit, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _message(error))
        else:
            messages.success(request, _("The action is published on the unit's public page."))
            return redirect("manage:actions", code=unit.code)
    return render(
        request,
        "manage/feedback/actions.html",
        {"unit": unit, "form": form, "actions": selectors.public_actions(unit)},
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- improvement plans


@manage_page("manager")
@require_GET
def plans_overview(request):
    """Units that owe a plan, overdue plans, and whether units recovered; managers see their units."""
    return render(
        request,
        "manage/feedback/plans.html",
        {"rows": plans.overview(units=request.units), "is_admin": is_administrator(request.user)},
    )


@manage_page("manager", object_page=True)
@require_http_methods(["GET", "POST"])
def plan_file(request, code: str, month: str):
    unit = get_object_or_404(request.units, code=code)
    trigger = month_or_404(month)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_file(unit=unit, user=request.user, trigger_month=trigger, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _message(error))
        else:
            messages.success(request, _("The improvement plan is filed."))
            return redirect("manage:plans")
    return render(
        request,
        "manage/feedback/plan_form.html",
        {"unit": unit, "month": trigger, "form": form},
        status=400 if request.method == "POST" else 200,
    )
