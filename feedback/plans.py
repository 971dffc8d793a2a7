"""Improvement plans: which units owe one, which plans are overdue, whether the unit recovered.

Rule (issue 18): a unit below the lower control limit (feedback.funnel) for two months in a row
must file a plan (problem, actions, owner, deadline) for the second of those months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from agencies.models import Unit, UnitQuerySet
from reports.scoring import previous_period_start

from . import funnel
from .models import ImprovementPlan

LOOKBACK_MONTHS = 6


@dataclass
class PlanRow:
    unit: Unit
    month: date  # the second month below the limit
    plan: ImprovementPlan | None
    recovered: bool | None  # after the plan: back above the limit in a later month

    @property
    def overdue(self) -> bool:
        return self.plan is not None and self.plan.deadline < timezone.localdate() and not self.recovered

    @property
    def owed(self) -> bool:
        return self.plan is None


def _last_complete_months(count: int) -> list[date]:
    month = previous_period_start(timezone.localdate().replace(day=1), "month")
    months = []
    for _ in range(count):
        months.append(month)
        month = previous_period_start(month, "month")
    return months


def triggers(unit: Unit, months: list[date]) -> list[date]:
    """Months m (from `months`, newest first) with the unit below the limit in m and the month before."""
    below = {m: funnel.below_lower_limit(unit=unit, month=m) for m in months}
    out = []
    for m in months:
        before = previous_period_start(m, "month")
        if before not in below:
            below[before] = funnel.below_lower_limit(unit=unit, month=before)
        if below[m] and below[before]:
            out.append(m)
    return out


def _recovered(unit: Unit, after: date, months: list[date]) -> bool | None:
    later = [m for m in months if m > after]
    if not later:
        return None
    results = [funnel.below_lower_limit(unit=unit, month=m) for m in sorted(later)]
    decided = [r for r in results if r is not None]
    return (not decided[-1]) if decided else None


def overview(*, units: UnitQuerySet, lookback: int = LOOKBACK_MONTHS) -> list[PlanRow]:
    """One row per (unit, trigger month) in the last `lookback` complete months, plus older plans."""
    months = _last_complete_months(lookback)
    plans = {(p.unit_id, p.trigger_month): p for p in ImprovementPlan.objects.filter(unit__in=units)}
    rows = []
    for unit in units.filter(parent__isnull=False, active=True).order_by("path"):
        found = sorted(triggers(unit, months))
        for month in found:
            # Consecutive months below the limit are one episode: the plan of its first trigger covers it.
            if previous_period_start(month, "month") in found and (unit.pk, month) not in plans:
                continue
            rows.append(PlanRow(unit, month, plans.pop((unit.pk, month), None), _recovered(unit, month, months)))
    for (unit_id, month), plan in plans.items():
        rows.append(PlanRow(plan.unit, month, plan, _recovered(plan.unit, month, months)))
    return sorted(rows, key=lambda r: (not r.owed, not r.overdue, r.unit.path, r.month))
