"""Open data, managed (/manage/open-data/, namespace `manage`): administrators prepare a draft
ranking for a period, preview it on its public page, then publish, withdraw or delete it.

Every write is a service of reports.publications (atomic, audited); this module parses the form,
calls it and says what happened. Access: administrators only (403 otherwise); a publication of a
unit the user does not administer is a 403 too (its public page already told them it exists).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.permissions import administered_units, can_administer

from ..forms import PublicationForm
from ..publications import (
    PublicationExists,
    publication_create,
    publication_delete,
    publication_publish,
    publication_withdraw,
    publications_of,
)
from ._common import publication_or_404


@login_required
@require_http_methods(["GET", "POST"])
def open_data_manage(request):
    """Administrators prepare a draft ranking for a period, preview it, then publish or withdraw it."""
    units = administered_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = PublicationForm(request.POST or None, units=units.filter(children__isnull=False).distinct())
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        try:
            publication = publication_create(
                unit=form.cleaned_data["unit"], period=period, user=request.user, note=form.cleaned_data["note"]
            )
        except PublicationExists:
            form.add_error(None, _("There is already a publication for this unit and period."))
        else:
            messages.success(request, _("Draft created. Check the preview, then publish it."))
            return redirect("reports:open_data_detail", code=publication.unit.code, period=period.key)
    return render(
        request,
        "manage/reports/open_data.html",
        {"form": form, "items": publications_of(units)},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def open_data_action(request, code: str, period: str):
    """Publish (freezing the ranking), withdraw, or delete a draft. Administrators of the unit only."""
    publication, p = publication_or_404(request, code, period)
    if not can_administer(request.user, publication.unit_id):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "publish":
            publication_publish(publication=publication, user=request.user)
            messages.success(request, _("The ranking is published."))
        elif action == "withdraw":
            publication_withdraw(publication=publication, user=request.user)
            messages.success(request, _("The ranking is withdrawn from open data."))
        elif action == "delete":
            publication_delete(publication=publication, user=request.user)
            messages.success(request, _("The draft is deleted."))
            return redirect("manage:open_data")
        else:
            messages.error(request, _("That action is not possible for this publication."))
    except ValidationError:
        messages.error(request, _("That action is not possible for this publication."))
    return redirect("reports:open_data_detail", code=code, period=p.key)
