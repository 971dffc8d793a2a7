"""Is a unit below expected on its parent's funnel plot in a month? (alerts, improvement plans)

One definition with the comparison pages: the class comes from `reports.fairness`
(`classify_under_parents`, built on `reports.funnel.place`): the unit's overall SIPAS index
against the 95 % control limits around its parent's pooled rate, at the unit's effective sample
size, with at least MIN_RESPONSES_FOR_RANKING responses. A unit shown "below expected" on
/compare/ (filtered by its parent) or on its parent's page is exactly the unit alerted here and,
two months in a row, owing an improvement plan. No math lives in this module.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from agencies.models import Unit
from reports import fairness
from reports import funnel as shared
from reports.models import PeriodType
from reports.periods import Period

METHOD = "sipas"


def _classes(month: date, parent_ids: list[int] | None = None) -> dict[int, str]:
    placed = fairness.classify_under_parents(
        period=Period(PeriodType.MONTH, month),
        method=METHOD,
        min_responses=settings.MIN_RESPONSES_FOR_RANKING,
        parent_ids=parent_ids,
    )
    return {unit_id: p.classification for unit_id, p in placed.items()}


def below_lower_limit(*, unit: Unit, month: date) -> bool | None:
    """True/False for a unit with a parent and enough answers in `month`; None when undecidable."""
    if unit.parent_id is None:
        return None
    cls = _classes(month, [unit.parent_id]).get(unit.pk, shared.NOT_ENOUGH)
    return None if cls == shared.NOT_ENOUGH else cls == shared.BELOW


def units_below(*, month: date) -> list[int]:
    """Ids of every unit below expected on its parent's funnel in `month`, from one read of the month."""
    return [uid for uid, cls in _classes(month).items() if cls == shared.BELOW]


def units_decided(*, month: date) -> list[int]:
    """Ids of the units whose position on the funnel can be decided in `month` (enough answers)."""
    return [uid for uid, cls in _classes(month).items() if cls != shared.NOT_ENOUGH]
