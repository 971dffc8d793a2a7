"""Reads of the authoring pages. Which surveys a user sees is decided by agencies.permissions only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery

from agencies.models import Membership, Unit
from agencies.permissions import manageable_units, visible_units

from ..models import Question, Response, Survey, SurveyVersion
from ..selectors import applicable_version


def surveys_visible_to(user) -> QuerySet[Survey]:
    """Surveys owned by a unit the user may read (staff: read only; managers: also change)."""
    return Survey.objects.filter(owner__in=visible_units(user)).select_related("owner")


@dataclass
class SurveyRow:
    survey: Survey
    current: SurveyVersion | None  # the published version, else the newest one
    draft: SurveyVersion | None
    responses: int
    can_manage: bool


def surveys_listing(user, *, query: str = "") -> QuerySet[Survey]:
    """The surveys of the list page, newest first within each unit; `query` matches title, slug or unit."""
    surveys = surveys_visible_to(user)
    query = query.strip()
    if query:
        surveys = surveys.filter(
            Q(slug__icontains=query)
            | Q(owner__code__icontains=query)
            | Q(owner__name_vi__icontains=query)
            | Q(owner__name_en__icontains=query)
            | Q(versions__title_vi__icontains=query)
            | Q(versions__title_en__icontains=query)
        ).distinct()
    return surveys.order_by("owner__path", "-created_at", "pk")


def survey_rows(user, surveys: list[Survey] | QuerySet[Survey] | None = None) -> list[SurveyRow]:
    """One row per survey (default: all the user may read), in four queries whatever their number."""
    surveys = list(surveys if surveys is not None else surveys_listing(user))
    ids = [s.pk for s in surveys]
    versions: dict[int, list[SurveyVersion]] = {}
    for version in SurveyVersion.objects.filter(survey_id__in=ids).order_by("-number"):
        versions.setdefault(version.survey_id, []).append(version)
    responses = dict(
        Response.objects.filter(version__survey_id__in=ids)
        .values("version__survey_id")
        .annotate(n=Count("id"))
        .values_list("version__survey_id", "n")
    )
    manageable = set(manageable_units(user).filter(pk__in={s.owner_id for s in surveys}).values_list("pk", flat=True))
    rows = []
    for survey in surveys:
        own = versions.get(survey.pk, [])
        published = next((v for v in own if v.status == SurveyVersion.Status.PUBLISHED), None)
        draft = next((v for v in own if v.status == SurveyVersion.Status.DRAFT), None)
        current = published or (own[0] if own else None)
        rows.append(SurveyRow(survey, current, draft, responses.get(survey.pk, 0), survey.owner_id in manageable))
    return rows


def survey_counts(user) -> dict[str, int]:
    """How many surveys the user may read, how many are published, how many have a draft."""
    surveys = surveys_visible_to(user)
    return {
        "total": surveys.count(),
        "published": surveys.filter(versions__status=SurveyVersion.Status.PUBLISHED).distinct().count(),
        "drafts": surveys.filter(versions__status=SurveyVersion.Status.DRAFT).distinct().count(),
    }


def _count(model, **outer) -> Subquery:
    """A correlated COUNT(*) subquery: two counts by joins would multiply (responses × questions)."""
    rows = model.objects.filter(**{k: OuterRef(v) for k, v in outer.items()}).order_by()
    return Subquery(rows.values(*outer).annotate(n=Count("*")).values("n")[:1], output_field=IntegerField())


def versions_with_audit(survey: Survey) -> list[SurveyVersion]:
    """The survey's versions, newest first, with who created, published and closed them and their answers."""
    versions = list(
        survey.versions.select_related("created_by", "published_by", "closed_by")
        .annotate(response_count=_count(Response, version="pk"), question_count=_count(Question, version="pk"))
        .order_by("-number")
    )
    for version in versions:
        # COUNT over no row gives no row, hence NULL.
        version.response_count = version.response_count or 0
        version.question_count = version.question_count or 0
    return versions


def applying_now(user) -> list[tuple[Unit, SurveyVersion | None]]:
    """For each unit the user has a role over, the survey version its citizens answer now.

    One query per membership (a handful), whatever the size of the subtrees.
    """
    units = [m.unit for m in Membership.objects.filter(user=user).select_related("unit").order_by("unit__path")]
    return [(unit, applicable_version(unit=unit)) for unit in units]
