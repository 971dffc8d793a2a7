"""Moderation (/manage/moderation/, namespace `manage`): managers list the responses of their
units, exclude one with a reason or count it again, and decide on review flags.

Every write is a service of reports.moderation or reports.abuse (atomic, audited, the rollup
queued after commit); the list's reads are reports.moderation_selectors. Access: managers and
administrators; a response or flag outside the units the user manages is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.permissions import is_manager, manageable_units

from .. import abuse, anonymity, moderation, moderation_selectors
from ..forms import ExcludeForm, IncludeForm
from ..models import ReviewFlag
from ._common import without

MODERATION_PAGE_SIZE = 25


@login_required
@require_GET
def moderation_list(request):
    """Responses of the units the user manages, newest month first, with filters; managers only."""
    if not is_manager(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    unit_code = (request.GET.get("unit") or "").strip()
    flag_id = request.GET.get("flag", "")
    listed = moderation_selectors.moderation_list(
        request.user,
        status=status,
        comment_only=request.GET.get("comment") == "1",
        flag_id=flag_id,
        unit_code=unit_code,
        month=request.GET.get("month", ""),
    )
    if listed.unknown_unit:
        messages.error(request, _("You cannot moderate a unit with that code."))
    # Page first, then work out each shown row's mean and k-cell for the page only.
    page = Paginator(listed.responses, MODERATION_PAGE_SIZE).get_page(request.GET.get("page"))
    anonymity.page_rows(page)
    return render(
        request,
        "manage/reports/moderation_list.html",
        {
            "page": page,
            "month": listed.month,
            "anonymity_k": anonymity.k(),
            "month_query": without(request.GET, "page", "month"),
            "status": status,
            "unit_code": unit_code,
            "comment_only": request.GET.get("comment") == "1",
            "query": without(request.GET, "page"),
            "flags": abuse.open_flags_for(request.user)[:FLAGS_SHOWN],
            "flag_id": flag_id,
            "can_exclude_flags": abuse.can_exclude_flags(request.user),
        },
    )


FLAGS_SHOWN = 50


@login_required
@require_POST
def moderation_flag(request, pk: int):
    """Decide on a review flag: an administrator excludes the whole batch, a manager dismisses the flag."""
    flag = get_object_or_404(ReviewFlag.objects.filter(unit__in=manageable_units(request.user)), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "exclude":
            count = abuse.flag_exclude_batch(
                flag_id=flag.pk, user=request.user, reason=request.POST.get("reason", "")[:150]
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d response of the batch is excluded; the scores are being recomputed.",
                    "%(count)d responses of the batch are excluded; the scores are being recomputed.",
                    count,
                )
                % {"count": count},
            )
        elif action == "dismiss":
            abuse.flag_dismiss(flag_id=flag.pk, user=request.user, note=request.POST.get("note", "")[:200])
            messages.success(request, _("The flag is dismissed; its answers keep counting."))
        else:
            messages.error(request, _("Choose to exclude the batch or to dismiss the flag."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("manage:moderation") + "#flags")


@login_required
@require_http_methods(["GET", "POST"])
def moderation_detail(request, ref: str):
    """One response with its answers and audit trail; exclude it with a reason or count it again.

    Addressed by its opaque reference, never its id (reports.anonymity: ids are a clock)."""
    pk = anonymity.pk_from_reference(ref)
    if pk is None:
        raise Http404
    response = moderation_selectors.response_for_moderation(request.user, pk)
    if response is None:
        raise Http404
    exclude_form = ExcludeForm(request.POST if request.POST.get("action") == "exclude" else None)
    include_form = IncludeForm(request.POST if request.POST.get("action") == "include" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "exclude" and exclude_form.is_valid():
                moderation.response_exclude(
                    response_id=response.pk, user=request.user, reason=exclude_form.reason_text()
                )
                messages.success(request, _("The response is excluded; the scores are being recomputed."))
                return redirect("manage:moderation_detail", ref=anonymity.reference(response.pk))
            if request.POST.get("action") == "include" and include_form.is_valid():
                moderation.response_include(
                    response_id=response.pk, user=request.user, reason=include_form.cleaned_data["note"]
                )
                messages.success(request, _("The response counts again; the scores are being recomputed."))
                return redirect("manage:moderation_detail", ref=anonymity.reference(response.pk))
            if request.POST.get("action") not in ("exclude", "include"):
                messages.error(request, _("Choose to exclude the response or to count it again."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("manage:moderation_detail", ref=anonymity.reference(response.pk))
    answers, events = moderation_selectors.response_history(response)
    return render(
        request,
        "manage/reports/moderation_detail.html",
        {
            "response": response,
            "answers": answers,
            "events": events,
            "exclude_form": exclude_form,
            "include_form": include_form,
        },
        status=400 if request.method == "POST" else 200,
    )
