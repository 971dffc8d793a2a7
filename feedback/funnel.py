"""Is a unit below its funnel's lower control limit in a month?

HOOK for issue 17: the funnel plot module (reports) owns the method (Spiegelhalter 2005: the
parent's pooled rate as the centre, 95% and 99.8% limits on the effective sample size). Until it
lands, this module computes the same 99.8% lower limit from the stored Score sums, so alerts and
improvement plans work; when issue 17's module exists, `below_lower_limit` should call it and
this body goes away. Callers use only `below_lower_limit` and `months_below`.
"""

from __future__ import annotations

import math
from datetime import date

from agencies.models import Unit
from reports.models import PeriodType, Scope, Score
from reports.scoring import ratio_estimate

Z_CONTROL = 3.090232  # two-sided 99.8%


def _estimate(row: Score):
    return ratio_estimate(row.responses, row.answers, row.satisfied, row.sum_x2, row.sum_y2_sipas, row.sum_xy_sipas)


def _overall(unit_ids: list[int], month: date) -> dict[int, Score]:
    rows = Score.objects.in_scope(Scope.SUBTREE).filter(
        unit_id__in=unit_ids,
        period_type=PeriodType.MONTH,
        period_start=month,
        dimension__isnull=True,
        procedure__isnull=True,
    )
    return {r.unit_id: r for r in rows}


def lower_limit(*, centre: float, n_eff: float, z: float = Z_CONTROL) -> float:
    """The funnel's lower limit (0–1) for a unit of effective size n_eff around `centre` (0–1)."""
    return centre - z * math.sqrt(centre * (1.0 - centre) / n_eff)


def below_lower_limit(*, unit: Unit, month: date) -> bool | None:
    """True/False for a unit with a parent and enough answers in `month`; None when undecidable."""
    if unit.parent_id is None:
        return None
    rows = _overall([unit.pk, unit.parent_id], month)
    return _decide(rows.get(unit.pk), rows.get(unit.parent_id))


def _month_decisions(month: date) -> dict[int, bool | None]:
    rows = {
        r.unit_id: r
        for r in Score.objects.in_scope(Scope.SUBTREE)
        .filter(period_type=PeriodType.MONTH, period_start=month, dimension__isnull=True, procedure__isnull=True)
        .select_related("unit")
    }
    return {uid: _decide(row, rows.get(row.unit.parent_id)) for uid, row in rows.items() if row.unit.parent_id}


def units_below(*, month: date) -> list[int]:
    """Ids of every unit below its funnel's lower limit in `month`, from one read of the month's rows."""
    return [uid for uid, below in _month_decisions(month).items() if below]


def units_decided(*, month: date) -> list[int]:
    """Ids of the units whose position in the funnel can be decided in `month` (enough answers)."""
    return [uid for uid, below in _month_decisions(month).items() if below is not None]


def _decide(own: Score | None, parent: Score | None) -> bool | None:
    if own is None or parent is None or not own.enough_responses or not parent.answers:
        return None
    estimate = _estimate(own)
    if estimate.index is None or estimate.variance is None:
        return None
    r = estimate.index / 100.0
    # n_eff = r(1−r)/Var, capped at the rated answers; the answers themselves when Var or r(1−r) is 0.
    spread = r * (1.0 - r)
    n_eff = min(spread / estimate.variance, float(own.answers)) if spread and estimate.variance else float(own.answers)
    centre = parent.satisfied / parent.answers
    if n_eff <= 0 or not 0.0 < centre < 1.0:
        return None
    return r < lower_limit(centre=centre, n_eff=n_eff)
