"""Manager pages under /manage/: the manager's home and survey authoring (issue 4).

Access goes through agencies.permissions only: a survey is found among the surveys of units the
user may read (else 404, so a foreign survey's existence is not revealed); changing it needs the
manage role over its owner unit (else 403: staff read only). Citizens never reach these pages.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from agencies import permissions

from . import authoring_services as services
from .authoring_forms import (
    QuestionForm,
    ScheduleForm,
    SurveyCreateForm,
    VersionForm,
)
from .authoring_selectors import (
    applying_now,
    survey_counts,
    survey_rows,
    surveys_listing,
    surveys_visible_to,
    versions_with_audit,
)
from .forms import SurveyForm
from .models import Question, Survey, SurveyVersion
from .selectors import version_questions

# --------------------------------------------------------------------------- access helpers


def _render(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    # Status badges compare windows with the time of the request.
    return render(request, template, {"now": timezone.now(), **context}, status=status)


def _require_role(user) -> None:
    """Only people with a role somewhere reach the manager pages at all."""
    if not permissions.is_staff_member(user):
        raise PermissionDenied


def _get_survey_for_user(request, survey_id: int, *, manage: bool = False) -> tuple[Survey, bool]:
    """The survey if the user may read it (else 404); with `manage`, 403 unless they may change it."""
    _require_role(request.user)
    survey = get_object_or_404(surveys_visible_to(request.user), pk=survey_id)
    can_manage = permissions.can_manage(request.user, survey.owner)
    if manage and not can_manage:
        raise PermissionDenied
    return survey, can_manage


def _get_version_for_user(request, survey_id: int, number: int, *, manage: bool = False):
    survey, can_manage = _get_survey_for_user(request, survey_id, manage=manage)
    version = get_object_or_404(SurveyVersion.objects.select_related("survey__owner"), survey=survey, number=number)
    return version, can_manage


def _get_question(version: SurveyVersion, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, version=version)


def _version_url(version: SurveyVersion) -> str:
    return reverse("authoring:version", args=[version.survey_id, version.number])


def _frozen(request, version: SurveyVersion, *, status: int = 409) -> HttpResponse:
    """Refuse to edit a published or closed version, and offer a new version instead."""
    draft = version.survey.versions.filter(status=SurveyVersion.Status.DRAFT).first()
    return _render(
        request, "authoring/frozen.html", {"version": version, "survey": version.survey, "draft": draft}, status=status
    )


def _read_revision(request) -> int | None:
    try:
        value = int(request.POST.get("revision", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


# --------------------------------------------------------------------------- index and list


@login_required
def index(request):
    """The manager's home: surveys, receipts, kiosks, API tokens, moderation."""
    _require_role(request.user)
    counts = survey_counts(request.user)
    context = {
        "is_manager": permissions.is_manager(request.user),
        "survey_count": counts["total"],
        "published_count": counts["published"],
        "draft_count": counts["drafts"],
    }
    return _render(request, "authoring/index.html", context)


SURVEYS_PER_PAGE = 50


@login_required
def survey_list(request):
    """Surveys of the units the user may read: status, version, period and answers; searchable, paged."""
    _require_role(request.user)
    query = request.GET.get("q", "")[:100]
    page = Paginator(surveys_listing(request.user, query=query), SURVEYS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "authoring/survey_list.html",
        {
            "rows": survey_rows(request.user, page.object_list),
            "page": page,
            "query": query,
            "is_manager": permissions.is_manager(request.user),
            "applying": applying_now(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request):
    """Start a survey of a unit the user manages, from the standard template or blank."""
    _require_role(request.user)
    units = permissions.manageable_units(request.user)
    if not units.exists():
        raise PermissionDenied
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
            return redirect(_version_url(version))
    return _render(request, "authoring/survey_create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def survey_detail(request, survey_id: int):
    """One survey: its versions and their audit (who created, published and closed each, and when)."""
    survey, can_manage = _get_survey_for_user(request, survey_id)
    versions = versions_with_audit(survey)
    draft = next((v for v in versions if v.status == SurveyVersion.Status.DRAFT), None)
    published = next((v for v in versions if v.status == SurveyVersion.Status.PUBLISHED), None)
    return _render(
        request,
        "authoring/survey_detail.html",
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


@login_required
@require_POST
def survey_settings(request, survey_id: int):
    """Allow or stop answers through the survey's open link (reported separately from receipts)."""
    survey, _can = _get_survey_for_user(request, survey_id, manage=True)
    allow = request.POST.get("allow_open_link") in ("on", "1", "true")
    services.survey_settings(survey=survey, user=request.user, allow_open_link=allow)
    messages.success(request, _("Open link allowed.") if allow else _("Open link stopped."))
    return redirect("authoring:survey", survey.pk)


# --------------------------------------------------------------------------- a version


@login_required
def version_detail(request, survey_id: int, number: int):
    """A version's content; for a draft and a manager, the editor with its actions."""
    version, can_manage = _get_version_for_user(request, survey_id, number)
    questions = list(version.questions.select_related("dimension").prefetch_related("choices").order_by("order", "id"))
    check = services.publish_check(version) if version.status == SurveyVersion.Status.DRAFT else None
    draft = version.survey.versions.filter(status=SurveyVersion.Status.DRAFT).first()
    schedule_form = None
    if can_manage and version.status == SurveyVersion.Status.PUBLISHED:
        schedule_form = ScheduleForm(initial={"opens_at": version.opens_at, "closes_at": version.closes_at})
    return _render(
        request,
        "authoring/version_detail.html",
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


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request, survey_id: int, number: int):
    """Title, introduction and opening window of a draft."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    if version.is_frozen:
        return _frozen(request, version)
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
                return _frozen(request, version)
            except services.StaleRevision as exc:
                form = _rebind(VersionForm, request, exc)
                status = 409
            except services.AuthoringError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, _("Saved."))
                return redirect(_version_url(version))
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
    return _render(
        request,
        "authoring/version_edit.html",
        {"form": form, "version": version, "survey": version.survey},
        status=status,
    )


def _rebind(form_class, request, exc: services.StaleRevision, **kwargs):
    """Keep what the user typed, point the form at the current revision, and say what happened."""
    data = request.POST.copy()
    data["revision"] = str(exc.version.revision)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, exc.message)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request, survey_id: int, number: int):
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    if version.is_frozen:
        return _frozen(request, version)
    return _question_form(request, version, None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, survey_id: int, number: int, question_id: int):
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    question = _get_question(version, question_id)
    if version.is_frozen:
        return _frozen(request, version)
    return _question_form(request, version, question)


def _question_form(request, version: SurveyVersion, question: Question | None):
    status = 200
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                if question is None:
                    services.question_add(
                        version=version,
                        user=request.user,
                        revision=form.cleaned_data["revision"],
                        **form.service_kwargs(),
                    )
                    messages.success(request, _("Question added."))
                else:
                    services.question_update(
                        question=question,
                        user=request.user,
                        revision=form.cleaned_data["revision"],
                        **form.service_kwargs(),
                    )
                    messages.success(request, _("Question saved."))
            except services.VersionFrozen:
                return _frozen(request, version)
            except services.StaleRevision as exc:
                form = _rebind(QuestionForm, request, exc)
                status = 409
            else:
                if question is None and "add_another" in request.POST:
                    return redirect("authoring:question_add", version.survey_id, version.number)
                return redirect(_version_url(version) + "#questions")
        else:
            status = 400
    elif question is None:
        form = QuestionForm(initial={"revision": version.revision, "kind": "rating", "required": True})
    else:
        form = QuestionForm(initial=QuestionForm.initial_for(question, version.revision))
    current = list(version.questions.order_by("order", "id"))
    return _render(
        request,
        "authoring/question_form.html",
        {"form": form, "version": version, "survey": version.survey, "question": question, "questions": current},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_delete(request, survey_id: int, number: int, question_id: int):
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    question = _get_question(version, question_id)
    if version.is_frozen:
        return _frozen(request, version)
    if request.method == "POST":
        revision = _read_revision(request)
        try:
            if revision is None:
                raise services.StaleRevision(_("The form was incomplete; nothing was deleted."), version=version)
            services.question_delete(question=question, user=request.user, revision=revision)
        except services.VersionFrozen:
            return _frozen(request, version)
        except services.StaleRevision as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Question deleted."))
        return redirect(_version_url(version) + "#questions")
    return _render(
        request, "authoring/question_delete.html", {"question": question, "version": version, "survey": version.survey}
    )


@login_required
@require_POST
def question_move(request, survey_id: int, number: int, question_id: int):
    """Up/down buttons: plain forms, so ordering works without JavaScript."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    question = _get_question(version, question_id)
    if version.is_frozen:
        return _frozen(request, version)
    revision = _read_revision(request)
    try:
        if revision is None:
            raise services.StaleRevision(_("The form was incomplete; nothing was moved."), version=version)
        services.question_move(
            question=question, user=request.user, revision=revision, direction=request.POST.get("direction", "")
        )
    except services.VersionFrozen:
        return _frozen(request, version)
    except services.AuthoringError as exc:
        messages.error(request, exc.message)
    return redirect(_version_url(version) + f"#question-{question.pk}")


@login_required
@require_POST
def question_reorder(request, survey_id: int, number: int):
    """Drag and drop: the whole new order at once. Answers JSON to scripts, a redirect to forms."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    wants_json = "application/json" in request.headers.get("Accept", "")
    revision = _read_revision(request)
    try:
        order = [int(x) for x in request.POST.getlist("order") if x.strip()]
    except ValueError:
        order = []
    try:
        if revision is None or not order:
            raise services.StaleRevision(_("The form was incomplete; nothing was moved."), version=version)
        version = services.question_reorder(version=version, user=request.user, revision=revision, order=order)
    except services.AuthoringError as exc:
        if wants_json:
            current = exc.version or version
            return JsonResponse({"ok": False, "error": exc.message, "revision": current.revision}, status=409)
        messages.error(request, exc.message)
    else:
        if wants_json:
            return JsonResponse({"ok": True, "revision": version.revision})
    return redirect(_version_url(version) + "#questions")


# --------------------------------------------------------------------------- preview


@login_required
def version_preview(request, survey_id: int, number: int):
    """The survey at phone width, in a frame, exactly as the citizen page lays it out."""
    version, _can = _get_version_for_user(request, survey_id, number)
    return _render(request, "authoring/preview.html", {"version": version, "survey": version.survey})


@login_required
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def version_preview_frame(request, survey_id: int, number: int):
    """The citizen's survey page for a version, with the citizen's own form and template.

    A submitted preview is validated like a real answer and thrown away: nothing is stored, no
    receipt is used. The page is rendered as for an anonymous citizen (no staff menu).
    """
    version, _can = _get_version_for_user(request, survey_id, number)
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
    return _render(
        request,
        "authoring/preview_frame.html",
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


@login_required
@require_http_methods(["GET", "POST"])
def version_publish(request, survey_id: int, number: int):
    """A checklist of every problem and warning; publishing freezes the version."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    if request.method == "POST" and version.status == SurveyVersion.Status.PUBLISHED:
        # A double click, or a second tab: the version is already what was asked for.
        messages.info(request, _("Version %(number)s is already published.") % {"number": version.number})
        return redirect("authoring:survey", version.survey_id)
    if version.is_frozen:
        return _frozen(request, version)
    status = 200
    problems: list[str] = []
    if request.method == "POST":
        revision = _read_revision(request)
        try:
            if revision is None:
                raise services.StaleRevision(_("The form was incomplete; nothing was published."), version=version)
            version = services.version_publish(version=version, user=request.user, revision=revision)
        except services.VersionFrozen:
            return _frozen(request, version)
        except services.PublishInvalid as exc:
            problems, status = exc.problems, 400
        except services.StaleRevision as exc:
            messages.error(request, exc.message)
            version.refresh_from_db()
            status = 409
        else:
            messages.success(request, _("Version %(number)s is published and frozen.") % {"number": version.number})
            return redirect("authoring:survey", version.survey_id)
    check = services.publish_check(version)
    if problems:
        check.problems = problems
    current = version.survey.versions.filter(status=SurveyVersion.Status.PUBLISHED).first()
    return _render(
        request,
        "authoring/publish.html",
        {"version": version, "survey": version.survey, "check": check, "current": current},
        status=status,
    )


@login_required
@require_POST
def version_new(request, survey_id: int):
    """Copy the latest published or closed version (or the one named) into a new draft."""
    survey, _can = _get_survey_for_user(request, survey_id, manage=True)
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
        return redirect(_version_url(exc.version))
    except services.AuthoringError as exc:
        messages.error(request, exc.message)
        return redirect("authoring:survey", survey.pk)
    messages.success(
        request, _("Version %(number)s is a new draft, copied from the last version.") % {"number": draft.number}
    )
    return redirect(_version_url(draft))


@login_required
@require_http_methods(["GET", "POST"])
def version_close(request, survey_id: int, number: int):
    """Stop new answers to a published version."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    if request.method == "POST" and version.status == SurveyVersion.Status.CLOSED:
        messages.info(request, _("Version %(number)s is already closed.") % {"number": version.number})
        return redirect("authoring:survey", version.survey_id)
    if request.method == "POST":
        try:
            services.version_close(version=version, user=request.user)
        except services.AuthoringError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Version %(number)s is closed: it takes no new answers.") % {"number": version.number}
            )
        return redirect("authoring:survey", version.survey_id)
    if version.status != SurveyVersion.Status.PUBLISHED:
        messages.error(request, _("Only a published version can be closed."))
        return redirect(_version_url(version))
    return _render(
        request,
        "authoring/close.html",
        {"version": version, "survey": version.survey, "response_count": version.responses.count()},
    )


@login_required
@require_POST
def version_schedule(request, survey_id: int, number: int):
    """Move the opening window of a published version."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
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
    return redirect(_version_url(version))


@login_required
@require_http_methods(["GET", "POST"])
def draft_discard(request, survey_id: int, number: int):
    """Delete a draft (and the survey, if the draft was all it had)."""
    version, _can = _get_version_for_user(request, survey_id, number, manage=True)
    if version.is_frozen:
        return _frozen(request, version)
    if request.method == "POST":
        revision = _read_revision(request)
        try:
            if revision is None:
                raise services.StaleRevision(_("The form was incomplete; nothing was deleted."), version=version)
            survey = services.draft_discard(version=version, user=request.user, revision=revision)
        except services.VersionFrozen:
            return _frozen(request, version)
        except services.StaleRevision as exc:
            messages.error(request, exc.message)
            return redirect(_version_url(version))
        messages.success(request, _("The draft is deleted."))
        return redirect("authoring:survey", survey.pk) if survey else redirect("authoring:survey_list")
    return _render(request, "authoring/discard.html", {"version": version, "survey": version.survey})
