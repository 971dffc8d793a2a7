"""Fair comparison for the pages: each compared unit on the funnel plot, its classification and
rank range (the math is `reports.funnel`; this module reads the sums it needs from Score rows).

One query for all the units and the centre unit: the additive sums of the focus row (the chosen
element or overall, the chosen procedure or all) of each unit's subtree for the period.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Procedure, Unit
from surveys.models import Dimension

from . import funnel
from .models import Scope, Score
from .selectors import Period

RANK_RANGE_CACHE_SECONDS = 3600

# The centre unit is the reference line itself: it gets a rank range, never a class of its own.
CENTRE = "centre"
CLASS_LABELS = {
    CENTRE: gettext_lazy("Reference (the centre line)"),
    funnel.ABOVE: gettext_lazy("Above expected"),
    funnel.WITHIN: gettext_lazy("As expected"),
    funnel.BELOW: gettext_lazy("Below expected"),
    funnel.NOT_ENOUGH: gettext_lazy("Not enough answers"),
}


def _sum_fields(method: str) -> tuple[str, str, str]:
    if method == "766":
        return "not_dissatisfied", "sum_y2_766", "sum_xy_766"
    return "satisfied", "sum_y2_sipas", "sum_xy_sipas"


@dataclass(frozen=True)
class Fair:
    """One unit's place in the comparison: the funnel point, its class and its rank range."""

    unit_id: int
    code: str
    name: str
    placed: funnel.Placed
    rank_low: int | None = None
    rank_high: int | None = None

    @property
    def classification(self) -> str:
        return self.placed.classification

    @property
    def label(self) -> str:
        label = str(CLASS_LABELS[self.placed.classification])
        if self.placed.beyond998:
            label += " " + _("(beyond the 99.8% limit)")
        return label

    @property
    def short_label(self) -> str:
        return str(CLASS_LABELS[self.placed.classification])

    @property
    def rank_range(self) -> str:
        """'3–9', or '1' when the uncertainty allows one rank only; '' when not ranked."""
        if self.rank_low is None:
            return ""
        return str(self.rank_low) if self.rank_low == self.rank_high else f"{self.rank_low}–{self.rank_high}"

    @property
    def n_eff(self) -> float | None:
        return self.placed.n_eff

    @property
    def index(self) -> float | None:
        return None if self.placed.rate is None else 100.0 * self.placed.rate


@dataclass
class Comparison:
    """The funnel of a set of units around their parent's pooled rate."""

    centre_unit: Unit | None
    centre: float | None  # 0–1
    method: str
    units: dict[int, Fair] = field(default_factory=dict)

    def get(self, unit_id: int) -> Fair | None:
        return self.units.get(unit_id)

    @property
    def counts(self) -> dict[str, int]:
        out = {c: 0 for c in funnel.CLASSES}
        for f in self.units.values():
            if f.classification in out:
                out[f.classification] += 1
        return out

    @cached_property
    def outside(self) -> list[Fair]:
        return sorted(
            (f for f in self.units.values() if f.classification in (funnel.ABOVE, funnel.BELOW)),
            key=lambda f: -(f.index or 0),
        )


def compare_units(
    *,
    units: Iterable[tuple[int, str, str]],
    centre_unit: Unit | None,
    period: Period,
    method: str,
    dimension: Dimension | None,
    procedure: Procedure | None,
    min_responses: int,
) -> Comparison:
    """Place `units` ((id, code, name) triples) on the funnel around `centre_unit`'s pooled rate.

    Every unit gets a class and a rank range (the centre unit too, when it is among them, so that
    every rank shown has its range); the plot leaves the centre unit off (it is the centre line).
    One query.
    """
    units = list(units)
    ids = [u[0] for u in units] + ([centre_unit.id] if centre_unit is not None else [])
    sy, syy, sxy = _sum_fields(method)
    rows = Score.objects.in_scope(Scope.SUBTREE).filter(
        unit_id__in=ids, period_type=period.type, period_start=period.start
    )
    rows = rows.filter(dimension=dimension) if dimension is not None else rows.filter(dimension__isnull=True)
    rows = rows.filter(procedure=procedure) if procedure is not None else rows.filter(procedure__isnull=True)
    sums = {r["unit_id"]: r for r in rows.values("unit_id", "responses", "answers", "sum_x2", sy, syy, sxy)}

    def point(unit_id: int, code: str) -> funnel.Point:
        r = sums.get(unit_id)
        if r is None:
            return funnel.Point(code, 0, 0, 0, 0, 0, 0)
        return funnel.Point(code, r["responses"], r["answers"], r[sy], r["sum_x2"], r[syy], r[sxy])

    centre = None
    if centre_unit is not None and centre_unit.id in sums:
        c = sums[centre_unit.id]
        centre = funnel.pooled_rate(c["answers"], c[sy])
    if centre is None:
        # No figures for the parent: pool the compared units' own sums.
        total_x = sum(sums[u[0]]["answers"] for u in units if u[0] in sums)
        total_y = sum(sums[u[0]][sy] for u in units if u[0] in sums)
        centre = funnel.pooled_rate(total_x, total_y)
    placed = {u[0]: funnel.place(point(u[0], u[1]), centre, min_responses) for u in units}
    ranges = _cached_rank_ranges(list(placed.values()))
    result = Comparison(centre_unit=centre_unit, centre=centre, method=method)
    for unit_id, code, name in units:
        p = placed[unit_id]
        low, high = ranges.get(code, (None, None))
        if centre_unit is not None and unit_id == centre_unit.id and p.classification != funnel.NOT_ENOUGH:
            p = replace(p, classification=CENTRE, beyond998=False)
        result.units[unit_id] = Fair(unit_id, code, name, p, low, high)
    return result


def _cached_rank_ranges(placed: list[funnel.Placed]) -> dict[str, tuple[int, int]]:
    """funnel.rank_ranges, cached by its exact inputs: the simulation costs ~0.2 s for 1,000 units
    and gives the same answer for the same figures (fixed seed), so a page reload reuses it."""
    rankable = sorted(
        (p.key, p.rate, p.variance) for p in placed if p.classification != funnel.NOT_ENOUGH and p.rate is not None
    )
    if len(rankable) < 50:
        return funnel.rank_ranges(placed)
    key = "rank-ranges:" + hashlib.sha256(repr((funnel.RANK_DRAWS, funnel.RANK_SEED, rankable)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = funnel.rank_ranges(placed)
        cache.set(key, found, RANK_RANGE_CACHE_SECONDS)
    return found


def centre_for(visible, parent_code: str | None) -> Unit | None:
    """The unit whose pooled rate is the centre: the chosen parent, else the highest visible unit."""
    if parent_code:
        found = visible.filter(code=parent_code).first()
        if found is not None:
            return found
    return visible.order_by("depth", "path").first()
