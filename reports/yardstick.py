"""Decision 766's yardstick, as we read it (issue 17; DESIGN.md, Decision 766 yardstick).

Decision 766/QĐ-TTg (23 June 2022) sets the index of serving citizens and businesses in
administrative procedures and public services; one of its components is the satisfaction of
citizens and businesses with the handling of administrative procedures, worth 6 points:

    points = 6 × min(1, r / 0.90),    6 points when there were no dossiers to evaluate,

where r is the satisfaction share. Our reading of r: the Decision 766 method's share of rated
answers that are not "dissatisfied" (rated 3–5) over all rated answers, for the unit with its
sub-units — numerator Σy (not-dissatisfied answers), denominator Σx (rated answers). "No
dossiers" is read as no rated answers in the period. This is labelled as our reading wherever
it is shown: the official figure is computed by the national system from its own data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Scope, Score
from .periods import Period

MAX_POINTS = 6.0
TARGET = 0.90
SOURCE = "Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ"
FORMULA = "6 × min(1, r / 0.90)"


def points(numerator: int, denominator: int) -> float:
    """The points of the satisfaction component: 6 × min(1, r/0.90), 6 with nothing to evaluate."""
    if denominator <= 0:
        return MAX_POINTS
    return MAX_POINTS * min(1.0, (numerator / denominator) / TARGET)


@dataclass(frozen=True)
class Yardstick:
    numerator: int
    denominator: int
    responses: int
    enough: bool

    @property
    def share(self) -> float | None:
        """r in percent; None with no rated answers."""
        return 100.0 * self.numerator / self.denominator if self.denominator else None

    @property
    def points(self) -> float:
        return points(self.numerator, self.denominator)

    @property
    def no_dossiers(self) -> bool:
        return self.denominator == 0


EMPTY = Yardstick(0, 0, 0, False)


def for_units(unit_ids: Iterable[int], period: Period) -> dict[int, Yardstick]:
    """Each unit's yardstick (with its sub-units) for the period, from the overall Score rows; one query."""
    unit_ids = list(unit_ids)
    rows = (
        Score.objects.in_scope(Scope.SUBTREE)
        .filter(
            unit_id__in=unit_ids,
            period_type=period.type,
            period_start=period.start,
            dimension__isnull=True,
            procedure__isnull=True,
        )
        .values("unit_id", "not_dissatisfied", "answers", "responses", "enough_responses")
    )
    found = {
        r["unit_id"]: Yardstick(r["not_dissatisfied"], r["answers"], r["responses"], r["enough_responses"])
        for r in rows
    }
    return {i: found.get(i, EMPTY) for i in unit_ids}


def monthly(unit_id: int, months: list[Period]) -> list[tuple[Period, Yardstick]]:
    """One unit's yardstick month by month (one query)."""
    if not months:
        return []
    rows = (
        Score.objects.in_scope(Scope.SUBTREE)
        .filter(
            unit_id=unit_id,
            period_type="month",
            period_start__in=[m.start for m in months],
            dimension__isnull=True,
            procedure__isnull=True,
        )
        .values("period_start", "not_dissatisfied", "answers", "responses", "enough_responses")
    )
    found = {
        r["period_start"]: Yardstick(r["not_dissatisfied"], r["answers"], r["responses"], r["enough_responses"])
        for r in rows
    }
    return [(m, found.get(m.start, EMPTY)) for m in months]
