"""Issue 17's figures in open data: each published row carries its funnel class (against the
published unit's pooled rate), its rank range among its peers, and its response rate, frozen with
the ranking so that the public page, its CSV and its map never drift from what was published."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agencies.models import Unit

from . import coverage, fairness
from .periods import Period


def enrich(rows: list[dict[str, Any]], *, unit: Unit, period: Period) -> list[dict[str, Any]]:
    """`selectors.publication_rows` with the class, rank range and response rate of every row."""
    if not rows:
        return rows
    by_code = dict(Unit.objects.filter(parent=unit, code__in=[r["code"] for r in rows]).values_list("code", "id"))
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("group") or "", []).append(r)
    fair: dict[str, fairness.Fair] = {}
    for members in groups.values():
        comparison = fairness.compare_units(
            units=[(by_code[r["code"]], r["code"], r["name_vi"]) for r in members if r["code"] in by_code],
            centre_unit=unit,
            period=period,
            method="sipas",
            dimension=None,
            procedure=None,
            min_responses=settings.MIN_RESPONSES_FOR_RANKING,
        )
        fair.update({f.code: f for f in comparison.units.values()})
    rates = coverage.for_units(list(by_code.values()), period)
    for r in rows:
        f = fair.get(r["code"])
        c = rates.get(by_code.get(r["code"]))
        r["classification"] = f.classification if f else "not_enough"
        r["beyond_998"] = bool(f and f.placed.beyond998)
        r["rank_low"] = f.rank_low if f else None
        r["rank_high"] = f.rank_high if f else None
        r["response_rate"] = round(c.rate_pct, 1) if c is not None and c.rate is not None else None
        r["below_floor"] = bool(c and c.below_floor)
    return rows


def class_label(row: dict[str, Any]) -> str:
    """The class of a published row in the reader's language ('' for rows frozen before issue 17)."""
    cls = row.get("classification")
    if not cls:
        return ""
    label = str(fairness.CLASS_LABELS.get(cls, cls))
    return label + (" " + _("(beyond the 99.8% limit)") if row.get("beyond_998") else "")


def rank_range(row: dict[str, Any]) -> str:
    low, high = row.get("rank_low"), row.get("rank_high")
    if low is None:
        return ""
    return str(low) if low == high else f"{low}–{high}"


def csv_columns() -> list[str]:
    return [
        _("Classification (funnel plot, 95% limits)"),
        _("Rank range (2.5–97.5%)"),
        _("Response rate (%)"),
        _("Response rate below the floor"),
    ]


def csv_values(row: dict[str, Any]) -> list[Any]:
    return [
        class_label(row),
        rank_range(row),
        row.get("response_rate"),
        (_("yes") if row.get("below_floor") else _("no")) if "below_floor" in row else "",
    ]


def map_for(rows: list[dict[str, Any]]) -> dict | None:
    """The choropleth of a publication's territorial rows, by their frozen class."""
    from . import geo

    wanted = [r for r in rows if r.get("kind") in geo.TERRITORIAL and r.get("classification")]
    if not wanted:
        return None
    ids = dict(Unit.objects.filter(code__in=[r["code"] for r in wanted]).values_list("code", "id"))
    english = (get_language() or "vi").startswith("en")
    areas = []
    for r in wanted:
        if r["code"] not in ids:
            continue
        figure = geo.pct(r.get("index_sipas")) if r.get("enough") else str(fairness.CLASS_LABELS["not_enough"]).lower()
        name = r.get("name_en") if english and r.get("name_en") else r["name_vi"]
        label = str(fairness.CLASS_LABELS.get(r["classification"], r["classification"]))
        areas.append(geo.Area(ids[r["code"]], r["code"], name, r["classification"], label, figure))
    return geo.choropleth(areas)
