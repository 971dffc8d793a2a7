"""Survey authoring: create, edit, reorder, publish, new version, close (issue 4).

Rules protected here, whatever view or script calls:
- a published or closed version is frozen: its title, introduction, questions and choices never
  change (responses point at it); only its opening window may still be moved;
- every change to a draft names the draft revision it was made against; a change made against
  an older revision is refused (`StaleRevision`), so two people editing one draft never lose
  each other's questions silently;
- publishing validates the whole draft (`checks.publish_check`) and reports every problem at once
  (`PublishInvalid`);
  publishing a new version closes the one it replaces in the same transaction;
- a survey has at most one draft at a time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Unit

from ..audit_actions import AuditAction
from ..models import Choice, Dimension, Question, Survey, SurveyVersion
from ..standard import INTRO_EN, INTRO_VI, TITLE_EN, TITLE_VI, add_standard_questions
from .checks import CHOICE_KINDS, RATED_KINDS, overlap_problems, publish_check


class AuthoringError(Exception):
    """A change the rules refuse; `message` is for the user, in their language."""

    def __init__(self, message: str, *, version: SurveyVersion | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.version = version


class VersionFrozen(AuthoringError):
    """The version is published or closed; make a new version to change it."""


class StaleRevision(AuthoringError):
    """The draft changed since the form was loaded; `version` holds the current state."""


class DraftExists(AuthoringError):
    """The survey already has a draft; `version` is that draft."""


class PublishInvalid(AuthoringError):
    """The draft cannot be published; `problems` lists every reason."""

    def __init__(self, problems: list[str], *, version: SurveyVersion | None = None) -> None:
        super().__init__(_("This draft cannot be published yet."), version=version)
        self.problems = problems


@dataclass
class ChoiceData:
    text_vi: str
    text_en: str = ""


# --------------------------------------------------------------------------- helpers


def _unique_slug(owner: Unit, title: str) -> str:
    base = slugify(f"{owner.code}-{title.replace('đ', 'd').replace('Đ', 'D')}")[:50].strip("-") or "survey"
    slug, n = base, 1
    while Survey.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _claim_draft(version: SurveyVersion, revision: int) -> SurveyVersion:
    """Check-and-bump the draft's revision in one UPDATE, then return the fresh row.

    The single conditional UPDATE is the lock: of two concurrent changes made against the same
    revision, exactly one matches the WHERE clause (PostgreSQL re-checks it after the row lock
    is released; SQLite serialises writers), the other is refused instead of overwriting.
    """
    updated = SurveyVersion.objects.filter(pk=version.pk, status=SurveyVersion.Status.DRAFT, revision=revision).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    current = SurveyVersion.objects.select_related("survey__owner").get(pk=version.pk)
    if updated:
        return current
    if current.is_frozen:
        raise VersionFrozen(
            _("Version %(number)s is %(status)s: its questions can no longer change. Make a new version to edit it.")
            % {"number": current.number, "status": current.get_status_display()},
            version=current,
        )
    raise StaleRevision(
        _(
            "Someone else changed this draft after you opened it. Nothing of yours was saved yet: "
            "check the current draft and submit your change again."
        ),
        version=current,
    )


def _renumber(version: SurveyVersion, ordered_ids: list[int] | None = None) -> None:
    """Give the version's questions the orders 1..n (in `ordered_ids` order when given)."""
    questions = list(version.questions.order_by("order", "id"))
    if ordered_ids is not None:
        position = {qid: i for i, qid in enumerate(ordered_ids)}
        questions.sort(key=lambda q: position[q.pk])
    changed = []
    for i, question in enumerate(questions, start=1):
        if question.order != i:
            question.order = i
            changed.append(question)
    Question.objects.bulk_update(changed, ["order"])


def _set_choices(question: Question, choices: list[ChoiceData]) -> None:
    question.choices.all().delete()
    if question.kind in CHOICE_KINDS:
        Choice.objects.bulk_create(
            Choice(question=question, order=i, text_vi=c.text_vi.strip(), text_en=c.text_en.strip())
            for i, c in enumerate(choices, start=1)
        )


def _copy_questions(source: SurveyVersion, target: SurveyVersion) -> None:
    for question in source.questions.prefetch_related("choices").order_by("order", "id"):
        choices = list(question.choices.all())
        question.pk = None
        question.id = None
        question.version = target
        question.save()
        Choice.objects.bulk_create(
            Choice(question=question, order=c.order, text_vi=c.text_vi, text_en=c.text_en) for c in choices
        )


def _audit(action: str, version: SurveyVersion, user, **details) -> None:
    """The audit trail of publication, closure and new versions (agencies.audit)."""
    audit.record(
        actor=user,
        action=action,
        obj=version,
        object_label=f"{version.survey.slug} v{version.number}",
        unit=version.survey.owner,
        details={"survey_id": version.survey_id, "number": version.number, **details},
    )


def _check_window(opens_at: datetime.datetime | None, closes_at: datetime.datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise AuthoringError(_("The survey must close after it opens."))


# --------------------------------------------------------------------------- create


@transaction.atomic
def survey_create(
    *,
    owner: Unit,
    user,
    from_standard: bool,
    title_vi: str = "",
    title_en: str = "",
    intro_vi: str = "",
    intro_en: str = "",
    allow_open_link: bool = False,
) -> SurveyVersion:
    """A new survey of `owner` with draft version 1: a copy of the standard survey, or blank.

    "The standard" is the city's standard survey as currently published (an administrator may
    have changed it in a new version), else the built-in five-element template. Empty titles and
    introductions take the standard ones.
    """
    template = None
    if from_standard:
        template = (
            SurveyVersion.objects.filter(survey__is_standard=True, status=SurveyVersion.Status.PUBLISHED)
            .order_by("-published_at", "-pk")
            .first()
        )
        if template is not None:
            title_vi, title_en = title_vi or template.title_vi, title_en or template.title_en
            intro_vi, intro_en = intro_vi or template.intro_vi, intro_en or template.intro_en
        else:
            title_vi, title_en = title_vi or TITLE_VI, title_en or TITLE_EN
            intro_vi, intro_en = intro_vi or INTRO_VI, intro_en or INTRO_EN
    if not title_vi.strip():
        raise AuthoringError(_("Give the survey a Vietnamese title."))
    survey = Survey.objects.create(
        owner=owner, slug=_unique_slug(owner, title_vi), allow_open_link=allow_open_link, created_by=user
    )
    version = SurveyVersion.objects.create(
        survey=survey,
        number=1,
        title_vi=title_vi.strip(),
        title_en=title_en.strip(),
        intro_vi=intro_vi.strip(),
        intro_en=intro_en.strip(),
        created_by=user,
    )
    if template is not None:
        _copy_questions(template, version)
    elif from_standard:
        add_standard_questions(version)
    return version


@transaction.atomic
def survey_settings(*, survey: Survey, user, allow_open_link: bool) -> Survey:
    """Survey-wide settings, which do not change what any version asks."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey.allow_open_link = allow_open_link
    survey.save(update_fields=["allow_open_link"])
    return survey


# --------------------------------------------------------------------------- edit a draft


@transaction.atomic
def version_update(
    *,
    version: SurveyVersion,
    user,
    revision: int,
    title_vi: str,
    title_en: str,
    intro_vi: str,
    intro_en: str,
    opens_at: datetime.datetime | None,
    closes_at: datetime.datetime | None,
) -> SurveyVersion:
    """Change a draft's texts and opening window."""
    _check_window(opens_at, closes_at)
    version = _claim_draft(version, revision)
    version.title_vi, version.title_en = title_vi.strip(), title_en.strip()
    version.intro_vi, version.intro_en = intro_vi.strip(), intro_en.strip()
    version.opens_at, version.closes_at = opens_at, closes_at
    version.save(update_fields=["title_vi", "title_en", "intro_vi", "intro_en", "opens_at", "closes_at", "updated_at"])
    return version


@transaction.atomic
def version_schedule(
    *,
    version: SurveyVersion,
    user,
    opens_at: datetime.datetime | None,
    closes_at: datetime.datetime | None,
) -> SurveyVersion:
    """Move the opening window of a published version (its questions stay frozen).

    A closed version stays closed: it is reopened by making a new version.
    """
    _check_window(opens_at, closes_at)
    version = SurveyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != SurveyVersion.Status.PUBLISHED:
        raise AuthoringError(_("Only a published version can be rescheduled here."), version=version)
    problems = overlap_problems(version, opens_at, closes_at)
    if problems:
        raise AuthoringError(problems[0], version=version)
    version.opens_at, version.closes_at = opens_at, closes_at
    version.revision = F("revision") + 1
    version.save(update_fields=["opens_at", "closes_at", "revision", "updated_at"])
    version.refresh_from_db()
    return version


@transaction.atomic
def question_add(
    *,
    version: SurveyVersion,
    user,
    revision: int,
    kind: str,
    text_vi: str,
    text_en: str = "",
    help_vi: str = "",
    help_en: str = "",
    required: bool = True,
    dimension: Dimension | None = None,
    on_kiosk: bool = False,
    choices: list[ChoiceData] | None = None,
) -> Question:
    """Append a question to a draft."""
    version = _claim_draft(version, revision)
    last = version.questions.aggregate(m=Max("order"))["m"] or 0
    question = Question.objects.create(
        version=version,
        order=last + 1,
        kind=kind,
        text_vi=text_vi.strip(),
        text_en=text_en.strip(),
        help_vi=help_vi.strip(),
        help_en=help_en.strip(),
        required=required,
        dimension=dimension if kind in RATED_KINDS else None,
        on_kiosk=on_kiosk,
    )
    _set_choices(question, choices or [])
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    user,
    revision: int,
    kind: str,
    text_vi: str,
    text_en: str = "",
    help_vi: str = "",
    help_en: str = "",
    required: bool = True,
    dimension: Dimension | None = None,
    on_kiosk: bool = False,
    choices: list[ChoiceData] | None = None,
) -> Question:
    """Change one question of a draft (and replace its choices)."""
    _claim_draft(question.version, revision)
    question = Question.objects.get(pk=question.pk)
    question.kind = kind
    question.text_vi, question.text_en = text_vi.strip(), text_en.strip()
    question.help_vi, question.help_en = help_vi.strip(), help_en.strip()
    question.required = required
    question.dimension = dimension if kind in RATED_KINDS else None
    question.on_kiosk = on_kiosk
    question.save()
    _set_choices(question, choices or [])
    return question


@transaction.atomic
def question_delete(*, question: Question, user, revision: int) -> SurveyVersion:
    """Remove a question from a draft; the others close the gap."""
    version = _claim_draft(question.version, revision)
    Question.objects.filter(pk=question.pk, version=version).delete()
    _renumber(version)
    return version


@transaction.atomic
def question_move(*, question: Question, user, revision: int, direction: str) -> SurveyVersion:
    """Swap a question with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise AuthoringError(_("Unknown direction."))
    version = _claim_draft(question.version, revision)
    ids = list(version.questions.order_by("order", "id").values_list("id", flat=True))
    i = ids.index(question.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    _renumber(version, ids)
    return version


@transaction.atomic
def question_reorder(*, version: SurveyVersion, user, revision: int, order: list[int]) -> SurveyVersion:
    """Put a draft's questions in the given order (drag and drop sends the whole list)."""
    version = _claim_draft(version, revision)
    ids = set(version.questions.values_list("id", flat=True))
    if len(order) != len(ids) or set(order) != ids:
        raise StaleRevision(
            _("The list of questions changed after you opened the page; nothing was moved."), version=version
        )
    _renumber(version, order)
    return version


@transaction.atomic
def draft_discard(*, version: SurveyVersion, user, revision: int) -> Survey | None:
    """Delete a draft. A survey that had nothing but this draft goes with it; returns the survey if kept."""
    version = _claim_draft(version, revision)
    survey = version.survey
    version.delete()
    if not survey.versions.exists():
        survey.delete()
        return None
    return survey


# --------------------------------------------------------------------------- publish, new version, close


@transaction.atomic
def version_publish(*, version: SurveyVersion, user, revision: int) -> SurveyVersion:
    """Validate and publish a draft, freezing it; the version it replaces is closed.

    Raises `PublishInvalid` with every problem at once; nothing changes then.
    """
    version = _claim_draft(version, revision)
    check = publish_check(version)
    if check.problems:
        raise PublishInvalid(check.problems, version=version)
    now = timezone.now()
    for old in SurveyVersion.objects.select_for_update().filter(
        survey_id=version.survey_id, status=SurveyVersion.Status.PUBLISHED
    ):
        old.status, old.closed_at, old.closed_by = SurveyVersion.Status.CLOSED, now, user
        old.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    version.status = SurveyVersion.Status.PUBLISHED
    version.published_at, version.published_by = now, user
    try:
        with transaction.atomic():
            version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    except IntegrityError as exc:
        # Another version of this survey was published at the same instant (database rule).
        raise StaleRevision(
            _("Another version of this survey was published at the same moment; reload and check."), version=version
        ) from exc
    _audit(AuditAction.SURVEY_PUBLISH, version, user)
    return version


@transaction.atomic
def version_new(*, survey: Survey, user, source: SurveyVersion | None = None) -> SurveyVersion:
    """A new draft copied from `source` (default: the latest published or closed version).

    The copy keeps texts and questions; its opening window starts empty.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    draft = survey.versions.filter(status=SurveyVersion.Status.DRAFT).first()
    if draft is not None:
        raise DraftExists(
            _("Version %(number)s is already a draft of this survey: edit it, or discard it first.")
            % {"number": draft.number},
            version=draft,
        )
    if source is None:
        source = survey.versions.exclude(status=SurveyVersion.Status.DRAFT).order_by("-number").first()
    if source is None or source.survey_id != survey.pk:
        raise AuthoringError(_("There is no version to copy."))
    number = (survey.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = SurveyVersion.objects.create(
        survey=survey,
        number=number,
        title_vi=source.title_vi,
        title_en=source.title_en,
        intro_vi=source.intro_vi,
        intro_en=source.intro_en,
        created_by=user,
    )
    _copy_questions(source, draft)
    _audit(AuditAction.SURVEY_NEW_VERSION, draft, user, copied_from=source.number)
    return draft


@transaction.atomic
def version_close(*, version: SurveyVersion, user) -> SurveyVersion:
    """Stop new answers to a published version. Answers already given keep counting."""
    version = SurveyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != SurveyVersion.Status.PUBLISHED:
        raise AuthoringError(
            _("Only a published version can be closed; version %(number)s is %(status)s.")
            % {"number": version.number, "status": version.get_status_display()},
            version=version,
        )
    version.status = SurveyVersion.Status.CLOSED
    version.closed_at, version.closed_by = timezone.now(), user
    version.revision = F("revision") + 1
    version.save(update_fields=["status", "closed_at", "closed_by", "revision", "updated_at"])
    version.refresh_from_db()
    _audit(AuditAction.SURVEY_CLOSE, version, user)
    return version
