"""Score rows for dashboard tests, without running the rollup."""

from __future__ import annotations

from datetime import date

from agencies.models import Procedure, Unit
from reports.models import PeriodType, Scope, Score
from surveys.models import Dimension
from surveys.standard import ensure_dimensions


def make_score(
    unit: Unit,
    *,
    start: date,
    index: float = 85.0,
    responses: int = 40,
    period_type: str = PeriodType.MONTH,
    scope: str = Scope.SUBTREE,
    dimension: Dimension | None = None,
    procedure: Procedure | None = None,
    half_width: float = 3.0,
    change: float | None = None,
    significant: bool = False,
    index_766: float | None = None,
    **extra,
) -> Score:
    """One Score row with consistent figures: the 766 index above the SIPAS one, an interval around it."""
    answers = responses * 5
    index_766 = min(100.0, index + 8) if index_766 is None else index_766
    return Score.objects.create(
        unit=unit,
        scope=scope,
        dimension=dimension,
        procedure=procedure,
        period_type=period_type,
        period_start=start,
        responses=responses,
        answers=answers,
        satisfied=round(answers * index / 100),
        not_dissatisfied=round(answers * index_766 / 100),
        mean=round(1 + 4 * index / 100, 2),
        index_sipas=index,
        ci_low_sipas=max(0.0, index - half_width),
        ci_high_sipas=min(100.0, index + half_width),
        index_766=index_766,
        ci_low_766=max(0.0, index_766 - half_width),
        ci_high_766=min(100.0, index_766 + half_width),
        enough_responses=responses >= 30,
        change_sipas=change,
        change_sipas_significant=significant,
        change_766=change,
        change_766_significant=significant,
        **extra,
    )


def make_unit_scores(unit: Unit, *, start: date, index: float = 85.0, responses: int = 40, **kwargs) -> list[Score]:
    """The overall row and the five element rows of a unit for one period (elements spread around the index)."""
    dims = ensure_dimensions()
    rows = [make_score(unit, start=start, index=index, responses=responses, **kwargs)]
    for offset, dim in zip((-4, -2, 0, 2, 4), dims.values()):
        rows.append(
            make_score(
                unit,
                start=start,
                index=max(0.0, min(100.0, index + offset)),
                responses=responses,
                dimension=dim,
                **kwargs,
            )
        )
    return rows
