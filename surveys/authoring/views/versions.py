"""Authoring pages about one version: its content and editor, the preview, publishing, closing,
moving its opening window and discarding a draft."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from agencies.permissions import manage_page

from ...citizen.forms import SurveyForm
from ...models import SurveyVersion
from ...selectors import version_questions
from .. import services
from ..forms import ScheduleForm, VersionForm
from .common import frozen, get_version_for_user, read_revision, rebind, render_page, version_url

# --------------------------------------------------------------------------- a version


@manage_page("member")
def version_detail(request, survey_id: int, number: int):
    """A version's content; for a draft and a manager, the editor with its actions."""
    version, can_manage = get_version_for_user(request, survey_id, number)
    questions = list(version.questions.select_related("dimension").prefetch_related("choices").order_by("order", "id"))
    check = services.publish_check(version) if version.status == SurveyVersion.Status.DRAFT else None
    draft = version.survey.versions.filter(status=SurveyVersion.Status.DRAFT).first()
    schedule_form = None
    if can_manage and version.status == SurveyVersion.Status.PUBLISHED:
        schedule_form = ScheduleForm(initial={"opens_at": version.opens_at, "closes_at": version.closes_at})
    return render_page(
        request,
        "manage/authoring/version_detail.html",
        {
            "survey": version.survey,
            "version": version,
            "questions": questions,
            "check": check,
            "can_manage": can_manage,
            "editable": can_manage and not version.is_frozen,
            "draft": draft,
            "schedule_form": schedule_form,
            "response_count": version.responses.count(),
        },
    )


@manage_page("member")
@require_http_methods(["GET", "POST"])
def version_edit(request, survey_id: int, number: int):
    """Title, introduction and opening window of a draft."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    if version.is_frozen:
        return frozen(request, version)
    status = 200
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            c = form.cleaned_data
            try:
                services.version_update(
                    version=version,
                    user=request.user,
                    revision=c["revision"],
                    title_vi=c["title_vi"],
                    title_en=c["title_en"],
                    intro_vi=c["intro_vi"],
                    intro_en=c["intro_en"],
                    opens_at=c["opens_at"],
                    closes_at=c["closes_at"],
                )
            except services.VersionFrozen:
                return frozen(request, version)
            except services.StaleRevision as exc:
                form = rebind(VersionForm, request, exc)
                status = 409
            except services.AuthoringError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, _("Saved."))
                return redirect(version_url(version))
        else:
            status = 400
    else:
        form = VersionForm(
            initial={
                "revision": version.revision,
                "title_vi": version.title_vi,
                "title_en": version.title_en,
                "intro_vi": version.intro_vi,
                "intro_en": version.intro_en,
                "opens_at": version.opens_at,
                "closes_at": version.closes_at,
            }
        )
    return render_page(
        request,
        "manage/authoring/version_edit.html",
        {"form": form, "version": version, "survey": version.survey},
        status=status,
    )


# --------------------------------------------------------------------------- preview


@manage_page("member")
def version_preview(request, survey_id: int, number: int):
    """The survey at phone width, in a frame, exactly as the citizen page lays it out."""
    version, _can = get_version_for_user(request, survey_id, number)
    return render_page(request, "manage/authoring/preview.html", {"version": version, "survey": version.survey})


@manage_page("member")
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def version_preview_frame(request, survey_id: int, number: int):
    """The citizen's survey page for a version, with the citizen's own form and template.

    A submitted preview is validated like a real answer and thrown away: nothing is stored, no
    receipt is used. The page is rendered as for an anonymous citizen (no staff menu).
    """
    version, _can = get_version_for_user(request, survey_id, number)
    questions = version_questions(version)
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=questions, version=version)
        submitted = form.is_valid()
        status = 200 if submitted else 400
    else:
        form = SurveyForm(
            initial={"version": version.pk, "idempotency_key": uuid.uuid4()}, questions=questions, version=version
        )
        submitted, status = False, 200
    # Access was checked above; from here the page is drawn as a citizen sees it.
    request.user = AnonymousUser()
    return render_page(
        request,
        "manage/authoring/preview_frame.html",
        {
            "version": version,
            "form": form,
            "submitted": submitted,
            "unit": version.survey.owner,
            "procedure": None,
            "receipt": None,
            "action": request.path,
        },
        status=status,
    )


# --------------------------------------------------------------------------- publish, new version, close


@manage_page("member")
@require_http_methods(["GET", "POST"])
def version_publish(request, survey_id: int, number: int):
    """A checklist of every problem and warning; publishing freezes the version."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    if request.method == "POST" and version.status == SurveyVersion.Status.PUBLISHED:
        # A double click, or a second tab: the version is already what was asked for.
        messages.info(request, _("Version %(number)s is already published.") % {"number": version.number})
        return redirect("manage:survey", version.survey_id)
    if version.is_frozen:
        return frozen(request, version)
    status = 200
    problems: list[str] = []
    if request.method == "POST":
        revision = read_revision(request)
        try:
            if revision is None:
                raise services.StaleRevision(_("The form was incomplete; nothing was published."), version=version)
            version = services.version_publish(version=version, user=request.user, revision=revision)
        except services.VersionFrozen:
            return frozen(request, version)
        except services.PublishInvalid as exc:
            problems, status = exc.problems, 400
        except services.StaleRevision as exc:
            messages.error(request, exc.message)
            version.refresh_from_db()
            status = 409
        else:
            messages.success(request, _("Version %(number)s is published and frozen.") % {"number": version.number})
            return redirect("manage:survey", version.survey_id)
    check = services.publish_check(version)
    if problems:
        check.problems = problems
    current = version.survey.versions.filter(status=SurveyVersion.Status.PUBLISHED).first()
    return render_page(
        request,
        "manage/authoring/publish.html",
        {"version": version, "survey": version.survey, "check": check, "current": current},
        status=status,
    )


@manage_page("member")
@require_http_methods(["GET", "POST"])
def version_close(request, survey_id: int, number: int):
    """Stop new answers to a published version."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    if request.method == "POST" and version.status == SurveyVersion.Status.CLOSED:
        messages.info(request, _("Version %(number)s is already closed.") % {"number": version.number})
        return redirect("manage:survey", version.survey_id)
    if request.method == "POST":
        try:
            services.version_close(version=version, user=request.user)
        except services.AuthoringError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Version %(number)s is closed: it takes no new answers.") % {"number": version.number}
            )
        return redirect("manage:survey", version.survey_id)
    if version.status != SurveyVersion.Status.PUBLISHED:
        messages.error(request, _("Only a published version can be closed."))
        return redirect(version_url(version))
    return render_page(
        request,
        "manage/authoring/close.html",
        {"version": version, "survey": version.survey, "response_count": version.responses.count()},
    )


@manage_page("member")
@require_POST
def version_schedule(request, survey_id: int, number: int):
    """Move the opening window of a published version."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.version_schedule(
                version=version,
                user=request.user,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
            )
        except services.AuthoringError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The opening period is saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(version_url(version))


@manage_page("member")
@require_http_methods(["GET", "POST"])
def draft_discard(request, survey_id: int, number: int):
    """Delete a draft (and the survey, if the draft was all it had)."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    if version.is_frozen:
        return frozen(request, version)
    if request.method == "POST":
        revision = read_revision(request)
        try:
            if revision is None:
                raise services.StaleRevision(_("The form was incomplete; nothing was deleted."), version=version)
            survey = services.draft_discard(version=version, user=request.user, revision=revision)
        except services.VersionFrozen:
            return frozen(request, version)
        except services.StaleRevision as exc:
            messages.error(request, exc.message)
            return redirect(version_url(version))
        messages.success(request, _("The draft is deleted."))
        return redirect("manage:survey", survey.pk) if survey else redirect("manage:survey_list")
    return render_page(request, "manage/authoring/discard.html", {"version": version, "survey": version.survey})
