"""Authoring pages about the questions of a draft: add, edit, delete, move and reorder.

Every change names the draft revision it was made against (services.StaleRevision)."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.permissions import manage_page

from ...models import Question, SurveyVersion
from .. import services
from ..forms import QuestionForm
from .common import frozen, get_question, get_version_for_user, read_revision, rebind, render_page, version_url


@manage_page("member")
@require_http_methods(["GET", "POST"])
def question_add(request, survey_id: int, number: int):
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    if version.is_frozen:
        return frozen(request, version)
    return _question_form(request, version, None)


@manage_page("member")
@require_http_methods(["GET", "POST"])
def question_edit(request, survey_id: int, number: int, question_id: int):
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    question = get_question(version, question_id)
    if version.is_frozen:
        return frozen(request, version)
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
                return frozen(request, version)
            except services.StaleRevision as exc:
                form = rebind(QuestionForm, request, exc)
                status = 409
            else:
                if question is None and "add_another" in request.POST:
                    return redirect("manage:question_add", version.survey_id, version.number)
                return redirect(version_url(version) + "#questions")
        else:
            status = 400
    elif question is None:
        form = QuestionForm(initial={"revision": version.revision, "kind": "rating", "required": True})
    else:
        form = QuestionForm(initial=QuestionForm.initial_for(question, version.revision))
    current = list(version.questions.order_by("order", "id"))
    return render_page(
        request,
        "manage/authoring/question_form.html",
        {"form": form, "version": version, "survey": version.survey, "question": question, "questions": current},
        status=status,
    )


@manage_page("member")
@require_http_methods(["GET", "POST"])
def question_delete(request, survey_id: int, number: int, question_id: int):
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    question = get_question(version, question_id)
    if version.is_frozen:
        return frozen(request, version)
    if request.method == "POST":
        revision = read_revision(request)
        try:
            if revision is None:
                raise services.StaleRevision(_("The form was incomplete; nothing was deleted."), version=version)
            services.question_delete(question=question, user=request.user, revision=revision)
        except services.VersionFrozen:
            return frozen(request, version)
        except services.StaleRevision as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Question deleted."))
        return redirect(version_url(version) + "#questions")
    return render_page(
        request,
        "manage/authoring/question_delete.html",
        {"question": question, "version": version, "survey": version.survey},
    )


@manage_page("member")
@require_POST
def question_move(request, survey_id: int, number: int, question_id: int):
    """Up/down buttons: plain forms, so ordering works without JavaScript."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    question = get_question(version, question_id)
    if version.is_frozen:
        return frozen(request, version)
    revision = read_revision(request)
    try:
        if revision is None:
            raise services.StaleRevision(_("The form was incomplete; nothing was moved."), version=version)
        services.question_move(
            question=question, user=request.user, revision=revision, direction=request.POST.get("direction", "")
        )
    except services.VersionFrozen:
        return frozen(request, version)
    except services.AuthoringError as exc:
        messages.error(request, exc.message)
    return redirect(version_url(version) + f"#question-{question.pk}")


@manage_page("member")
@require_POST
def question_reorder(request, survey_id: int, number: int):
    """Drag and drop: the whole new order at once. Answers JSON to scripts, a redirect to forms."""
    version, _can = get_version_for_user(request, survey_id, number, manage=True)
    wants_json = "application/json" in request.headers.get("Accept", "")
    revision = read_revision(request)
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
    return redirect(version_url(version) + "#questions")
