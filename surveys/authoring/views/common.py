"""What the authoring pages share: finding a survey, version or question for the user, and the
pages that refuse a change (a frozen version, a stale revision).

Access goes through agencies.permissions only: every page opens with `manage_page("member")`
(people with a role somewhere); a survey is then found among the surveys of units the user may
read (else 404, so a foreign survey's existence is not revealed); changing it needs the manage
role over its owner unit (else 403: staff read only). Citizens never reach these pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from agencies import permissions

from ...models import Question, Survey, SurveyVersion
from .. import services
from ..selectors import surveys_visible_to


def render_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    # Status badges compare windows with the time of the request.
    return render(request, template, {"now": timezone.now(), **context}, status=status)


def get_survey_for_user(request, survey_id: int, *, manage: bool = False) -> tuple[Survey, bool]:
    """The survey if the user may read it (else 404); with `manage`, 403 unless they may change it.

    Called behind `manage_page("member")`, which already refused users without any role."""
    survey = get_object_or_404(surveys_visible_to(request.user), pk=survey_id)
    can_manage = permissions.can_manage(request.user, survey.owner)
    if manage and not can_manage:
        raise PermissionDenied
    return survey, can_manage


def get_version_for_user(request, survey_id: int, number: int, *, manage: bool = False):
    survey, can_manage = get_survey_for_user(request, survey_id, manage=manage)
    version = get_object_or_404(SurveyVersion.objects.select_related("survey__owner"), survey=survey, number=number)
    return version, can_manage


def get_question(version: SurveyVersion, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, version=version)


def version_url(version: SurveyVersion) -> str:
    return reverse("manage:version", args=[version.survey_id, version.number])


def frozen(request, version: SurveyVersion, *, status: int = 409) -> HttpResponse:
    """Refuse to edit a published or closed version, and offer a new version instead."""
    draft = version.survey.versions.filter(status=SurveyVersion.Status.DRAFT).first()
    return render_page(
        request,
        "manage/authoring/frozen.html",
        {"version": version, "survey": version.survey, "draft": draft},
        status=status,
    )


def read_revision(request) -> int | None:
    try:
        value = int(request.POST.get("revision", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def rebind(form_class, request, exc: services.StaleRevision, **kwargs):
    """Keep what the user typed, point the form at the current revision, and say what happened."""
    data = request.POST.copy()
    data["revision"] = str(exc.version.revision)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, exc.message)
    return form
