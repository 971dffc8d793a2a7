"""What stops a draft from being published, and what falls back to Vietnamese (reads only).

`publish_check` is shown on the version and publish pages and enforced by
`services.version_publish`; `overlap_problems` also guards moving a published version's window.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import QuestionKind, SurveyVersion

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
# Only 1–5 ratings feed the satisfaction indexes, so only they carry a dimension.
RATED_KINDS = (QuestionKind.RATING,)


@dataclass
class PublishCheck:
    """Blocking problems; warnings (English missing → Vietnamese shown) and notices do not block."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def overlap_problems(
    version: SurveyVersion, opens_at: datetime.datetime | None, closes_at: datetime.datetime | None
) -> list[str]:
    """Another survey of the same unit published for an overlapping window makes "which applies" ambiguous."""
    others = SurveyVersion.objects.filter(
        survey__owner_id=version.survey.owner_id, status=SurveyVersion.Status.PUBLISHED
    ).exclude(survey_id=version.survey_id)
    if closes_at is not None:
        others = others.filter(Q(opens_at__isnull=True) | Q(opens_at__lt=closes_at))
    if opens_at is not None:
        others = others.filter(Q(closes_at__isnull=True) | Q(closes_at__gt=opens_at))
    return [
        _(
            "Another survey of this unit, “%(title)s” (version %(number)s), is published for an overlapping "
            "period. Close it or give the two surveys periods that do not overlap."
        )
        % {"title": other.title_vi, "number": other.number}
        for other in others.select_related("survey")
    ]


def publish_check(version: SurveyVersion, *, moment: datetime.datetime | None = None) -> PublishCheck:
    """Everything that stops a draft from being published, and what falls back to Vietnamese."""
    moment = moment or timezone.now()
    check = PublishCheck()
    if not version.title_vi.strip():
        check.problems.append(_("The survey has no Vietnamese title."))
    elif not version.title_en.strip():
        check.warnings.append(_("The title has no English text; English readers will see the Vietnamese one."))
    if version.intro_vi.strip() and not version.intro_en.strip():
        check.warnings.append(_("The introduction has no English text; English readers will see the Vietnamese one."))
    if version.closes_at is not None and version.closes_at <= moment:
        check.problems.append(_("The closing time has already passed: nobody could answer. Change or clear it."))
    questions = list(version.questions.select_related("dimension").prefetch_related("choices").order_by("order"))
    if not questions:
        check.problems.append(_("Add at least one question."))
    for n, q in enumerate(questions, start=1):
        if not q.text_vi.strip():
            check.problems.append(_("Question %(n)s has no Vietnamese text.") % {"n": n})
        elif not q.text_en.strip():
            check.warnings.append(
                _("Question %(n)s has no English text; English readers will see the Vietnamese one.") % {"n": n}
            )
        if q.help_vi.strip() and not q.help_en.strip():
            check.warnings.append(_("The help of question %(n)s has no English text.") % {"n": n})
        if q.kind in RATED_KINDS and q.dimension_id is None:
            check.problems.append(
                _("Question %(n)s is rated but has no dimension, so it would count towards no score.") % {"n": n}
            )
        if q.kind in CHOICE_KINDS:
            choices = list(q.choices.all())
            if len(choices) < 2:
                check.problems.append(_("Question %(n)s needs at least two choices.") % {"n": n})
            if any(not c.text_vi.strip() for c in choices):
                check.problems.append(_("A choice of question %(n)s has no Vietnamese text.") % {"n": n})
            elif any(not c.text_en.strip() for c in choices):
                check.warnings.append(_("Some choices of question %(n)s have no English text.") % {"n": n})
    if questions and not any(q.on_kiosk for q in questions):
        check.notices.append(
            _("No question is marked “show on kiosks”: the kiosks of these units would show no question.")
        )
    check.problems.extend(overlap_problems(version, version.opens_at, version.closes_at))
    return check
