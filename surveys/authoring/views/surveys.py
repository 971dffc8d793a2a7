"""Authoring pages about surveys as a whole: the manager's home, the list, creating a survey, one
survey with its versions, its settings, and starting a new version."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies import permissions
from agencies.permissions import manage_page

from ...models import SurveyVersion
from .. import services
from ..forms import SurveyCreateForm
from ..selectors import applying_now, survey_counts, survey_rows, surveys_listing, versions_with_audit
from .common import get_survey_for_user, render_page, version_url

# --------------------------------------------------------------------------- index and list


@manage_page("member")
def index(request):
    """The manager's home: surveys, receipts, kiosks, API tokens, moderation."""
    counts = survey_counts(request.user)
    context = {
        "is_manager": permissions.is_manager(request.user),
        "survey_count": counts["total"],
        "published_count": counts["published"],
        "draft_count": counts["drafts"],
    }
    return render_page(request, "manage/authoring/index.html", context)


SURVEYS_PER_PAGE = 50


@manage_page("member")
def survey_list(request):
    """Surveys of the units the user may read: status, version, period and answers; searchable, paged."""
    query = request.GET.get("q", "")[:100]
    page = Paginator(surveys_listing(request.user, query=query), SURVEYS_PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "manage/authoring/survey_list.html",
        {
            "rows": survey_rows(request.user, page.object_list),
            "page": page,
            "query": query,
            "is_manager": permissions.is_manager(request.user),
            "applying": applying_now(request.user),
        },
    )


@manage_page("manager")
@require_http_methods(["GET", "POST"])
def survey_create(request):
    """Start a survey of a unit the user manages, from the standard template or blank."""
    units = request.units
    form = SurveyCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            version = services.survey_create(
                owner=c["owner"],
                user=request.user,
                from_standard=c["start"] == SurveyCreateForm.START_STANDARD,
                title_vi=c["title_vi"],
                title_en=c["title_en"],
                allow_open_link=c["allow_open_link"],
            )
        except services.AuthoringError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft created. Edit it, preview it, then publish it."))
            return redirect(version_url(version))
    return render_page(
        request, "manage/authoring/survey_create.html", {"form": form}, status=400 if form.errors else 200
    )


@manage_page("member")
def survey_detail(request, survey_id: int):
    """One survey: its versions and their audit (who created, published and closed each, and when)."""
    survey, can_manage = get_survey_for_user(request, survey_id)
    versions = versions_with_audit(survey)
    draft = next((v for v in versions if v.status == SurveyVersion.Status.DRAFT), None)
    published = next((v for v in versions if v.status == SurveyVersion.Status.PUBLISHED), None)
    return render_page(
        request,
        "manage/authoring/survey_detail.html",
        {
            "survey": survey,
            "versions": versions,
            "draft": draft,
            "published": published,
            "can_manage": can_manage,
            "open_link": settings.SITE_URL
            + reverse("surveys:open_link", kwargs={"slug": survey.slug, "unit_code": survey.owner.code}),
        },
    )


@manage_page("member")
@require_POST
def survey_settings(request, survey_id: int):
    """Allow or stop answers through the survey's open link (reported separately from receipts)."""
    survey, _can = get_survey_for_user(request, survey_id, manage=True)
    allow = request.POST.get("allow_open_link") in ("on", "1", "true")
    services.survey_settings(survey=survey, user=request.user, allow_open_link=allow)
    messages.success(request, _("Open link allowed.") if allow else _("Open link stopped."))
    return redirect("manage:survey", survey.pk)


@manage_page("member")
@require_POST
def version_new(request, survey_id: int):
    """Copy the latest published or closed version (or the one named) into a new draft."""
    survey, _can = get_survey_for_user(request, survey_id, manage=True)
    source = None
    if request.POST.get("source"):
        try:
            source = survey.versions.get(number=int(request.POST["source"]))
        except (ValueError, SurveyVersion.DoesNotExist) as exc:
            raise Http404 from exc
    try:
        draft = services.version_new(survey=survey, user=request.user, source=source)
    except services.DraftExists as exc:
        messages.info(request, exc.message)
        return redirect(version_url(exc.version))
    except services.AuthoringError as exc:
        messages.error(request, exc.message)
        return redirect("manage:survey", survey.pk)
    messages.success(
        request, _("Version %(number)s is a new draft, copied from the last version.") % {"number": draft.number}
    )
    return redirect(version_url(draft))
