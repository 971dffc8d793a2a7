"""Citizen pages: code entry, the survey for a receipt, kiosk mode, open links."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import CodeEntryForm


@require_POST
def enter_code(request):
    form = CodeEntryForm(request.POST)
    if not form.is_valid():
        return render(request, "home.html", {"form": form}, status=400)
    return redirect("surveys:receipt_survey", code=form.cleaned_data["code"])
