"""Reads of the authoring pages. Which surveys a user sees is decided by agencies.permissions only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from agencies.models import Membership, Unit
from agencies.permissions import manageable_units, visible_units

from .models import Survey, SurveyVersion
from .selectors import applicable_version


def surveys_visible_to(user) -> QuerySet[Survey]:
    """Surveys owned by a unit the user may read (staff: read only; managers: also change)."""
    return Survey.objects.filter(owner__in=visible_units(user)).select_related("owner")


def surveys_manageable_by(user) -> QuerySet[Survey]:
    """Surveys owned by a unit in the subtree the user manages."""
    return Survey.objects.filter(owner__in=manageable_units(user))


@dataclass
class SurveyRow:
    survey: Survey
    current: SurveyVersion | None  # the published version, else the newest one
    draft: SurveyVersion | None
    responses: int
    can_manage: bool


def survey_rows(user) -> list[SurveyRow]:
    """The survey list: one row per survey, in three queries whatever the number of surveys."""
    versions = Prefetch(
        "versions", queryset=SurveyVersion.objects.select_related("survey").order_by("-number"), to_attr="all_versions"
    )
    surveys = list(
        surveys_visible_to(user)
        .annotate(response_count=Count("versions__responses"))
        .prefetch_related(versions)
        .order_by("owner__path", "-created_at")
    )
    manageable = set(manageable_units(user).filter(pk__in={s.owner_id for s in surveys}).values_list("pk", flat=True))
    rows = []
    for survey in surveys:
        published = next((v for v in survey.all_versions if v.status == SurveyVersion.Status.PUBLISHED), None)
        draft = next((v for v in survey.all_versions if v.status == SurveyVersion.Status.DRAFT), None)
        current = published or (survey.all_versions[0] if survey.all_versions else None)
        rows.append(SurveyRow(survey, current, draft, survey.response_count, survey.owner_id in manageable))
    return rows


def versions_with_audit(survey: Survey) -> list[SurveyVersion]:
    """The survey's versions, newest first, with who created, published and closed them and their answers."""
    return list(
        survey.versions.select_related("created_by", "published_by", "closed_by")
        .annotate(response_count=Count("responses", distinct=True), question_count=Count("questions", distinct=True))
        .order_by("-number")
    )


def applying_now(user) -> list[tuple[Unit, SurveyVersion | None]]:
    """For each unit the user has a role over, the survey version its citizens answer now.

    One query per membership (a handful), whatever the size of the subtrees.
    """
    units = [m.unit for m in Membership.objects.filter(user=user).select_related("unit").order_by("unit__path")]
    return [(unit, applicable_version(unit=unit)) for unit in units]
