"""Improvement plans: which units owe one, which plans are overdue, whether the unit recovered.

Rule (issue 18): a unit below expected on its parent's funnel (feedback.funnel: the 95 % lower
control limit, the class /compare/ shows) for two months in a row must file a plan (problem,
actions, owner, deadline) for the second of those months. Consecutive
months below the limit are one episode: the plan of its first trigger covers the months after it.
The funnel is read once per month for all units, so the page costs the same for 10 or 3,000 units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from django.utils import timezone

from agencies.models import Unit, UnitQuerySet
from reports.periods import previous_period_start

from . import funnel
from .models import ImprovementPlan

LOOKBACK_MONTHS = 6


@dataclass
class PlanRow:
    unit: Unit
    month: date  # the second month below the limit
    plan: ImprovementPlan | None
    recovered: bool | None  # after the trigger: out of the funnel's low side in the latest month with data

    @property
    def overdue(self) -> bool:
        return self.plan is not None and self.plan.deadline < timezone.localdate() and not self.recovered

    @property
    def owed(self) -> bool:
        return self.plan is None


def _last_complete_months(count: int) -> list[date]:
    """The `count` complete months before this one, oldest first, plus the one before them."""
    month = previous_period_start(timezone.localdate().replace(day=1), "month")
    months = []
    for _ in range(count + 1):
        months.append(month)
        month = previous_period_start(month, "month")
    return sorted(months)


def _recovered(unit_id: int, after: date, below: dict[date, set[int]], decided: dict[date, set[int]]) -> bool | None:
    later = [m for m in sorted(below) if m > after and unit_id in decided[m]]
    if not later:
        return None
    return unit_id not in below[later[-1]]


def overview(*, units: UnitQuerySet, lookback: int = LOOKBACK_MONTHS) -> list[PlanRow]:
    """One row per (unit, trigger month) in the last `lookback` complete months, plus older plans."""
    months = _last_complete_months(lookback)
    below = {m: set(funnel.units_below(month=m)) for m in months}
    decided = {m: set(funnel.units_decided(month=m)) for m in months}
    unit_map = {u.pk: u for u in units.filter(active=True)}
    plans = {
        (p.unit_id, p.trigger_month): p for p in ImprovementPlan.objects.filter(unit__in=units).select_related("unit")
    }
    rows = []
    for previous, month in pairwise(months):
        for unit_id in sorted(below[month] & below[previous] & set(unit_map)):
            episode_goes_on = previous != months[0] and unit_id in below[previous_period_start(previous, "month")]
            if episode_goes_on and (unit_id, month) not in plans:
                continue
            rows.append(
                PlanRow(
                    unit_map[unit_id],
                    month,
                    plans.pop((unit_id, month), None),
                    _recovered(unit_id, month, below, decided),
                )
            )
    for (unit_id, month), plan in plans.items():
        rows.append(PlanRow(plan.unit, month, plan, _recovered(unit_id, month, below, decided)))
    return sorted(rows, key=lambda r: (not r.owed, not r.overdue, r.unit.path, r.month))
