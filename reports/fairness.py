"""Fair comparison for the pages: each compared unit on the funnel plot, its classification and
rank range (the math is `reports.funnel`; this module reads the sums it needs from Score rows).

One query for all the units and the centre unit: the additive sums of the focus row (the chosen
element or overall, the chosen procedure or all) of each unit's subtree for the period.
`classify_under_parents` gives every unit its class on its parent's funnel at once (for the
feedback app's alerts and improvement plans).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Procedure, Unit
from surveys.models import Dimension

from . import funnel
from .models import Scope, Score
from .periods import Period

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

    centre = _centre(sums, centre_unit.id if centre_unit is not None else None, [u[0] for u in units], sy)
    placed = {u[0]: funnel.place(_point(sums.get(u[0]), u[1], method), centre, min_responses) for u in units}
    ranges = _cached_rank_ranges(list(placed.values()))
    result = Comparison(centre_unit=centre_unit, centre=centre, method=method)
    for unit_id, code, name in units:
        p = placed[unit_id]
        low, high = ranges.get(code, (None, None))
        if centre_unit is not None and unit_id == centre_unit.id and p.classification != funnel.NOT_ENOUGH:
            p = replace(p, classification=CENTRE, beyond998=False)
        result.units[unit_id] = Fair(unit_id, code, name, p, low, high)
    return result


def _point(row: dict | None, code: str, method: str) -> funnel.Point:
    if row is None:
        return funnel.Point(code, 0, 0, 0, 0, 0, 0)
    sy, syy, sxy = _sum_fields(method)
    return funnel.Point(code, row["responses"], row["answers"], row[sy], row["sum_x2"], row[syy], row[sxy])


def _centre(sums: dict[int, dict], centre_id: int | None, unit_ids: list[int], sy: str) -> float | None:
    """The centre unit's pooled rate; without figures for it, the compared units' pooled sums."""
    if centre_id is not None and centre_id in sums:
        centre = funnel.pooled_rate(sums[centre_id]["answers"], sums[centre_id][sy])
        if centre is not None:
            return centre
    total_x = sum(sums[u]["answers"] for u in unit_ids if u in sums)
    total_y = sum(sums[u][sy] for u in unit_ids if u in sums)
    return funnel.pooled_rate(total_x, total_y)


def classify_under_parents(
    *, period: Period, method: str, min_responses: int, parent_ids: Iterable[int] | None = None
) -> dict[int, funnel.Placed]:
    """Every unit with a parent, placed on its parent's funnel for the overall index.

    The same class `compare_units` gives the unit among its parent's children with the parent as
    the centre (its parent's unit page, /compare/ filtered by that parent): alerts and improvement
    plans read it here so that "below" means one thing everywhere. Only units with figures in the
    period are returned (the others cannot be decided). One query for every unit (or only the
    children of `parent_ids`), however many.
    """
    sy, syy, sxy = _sum_fields(method)
    rows = Score.objects.in_scope(Scope.SUBTREE).filter(
        period_type=period.type, period_start=period.start, dimension__isnull=True, procedure__isnull=True
    )
    if parent_ids is not None:
        parent_ids = list(parent_ids)
        rows = rows.filter(Q(unit_id__in=parent_ids) | Q(unit__parent_id__in=parent_ids))
    sums = {
        r["unit_id"]: r
        for r in rows.values("unit_id", "unit__parent_id", "unit__code", "responses", "answers", "sum_x2", sy, syy, sxy)
    }
    children: dict[int, list[int]] = {}
    for unit_id, r in sums.items():
        if r["unit__parent_id"] is not None:
            children.setdefault(r["unit__parent_id"], []).append(unit_id)
    out: dict[int, funnel.Placed] = {}
    for parent_id, ids in children.items():
        if parent_ids is not None and parent_id not in parent_ids:
            continue
        centre = _centre(sums, parent_id, ids, sy)
        for unit_id in ids:
            out[unit_id] = funnel.place(
                _point(sums[unit_id], sums[unit_id]["unit__code"], method), centre, min_responses
            )
    return out


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
