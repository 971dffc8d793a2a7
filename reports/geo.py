"""The choropleth map of units by funnel class, as inline SVG geometry (templates/reports/_map.html).

No tiles, no network, no script: the server projects each unit's stored boundary
(agencies.UnitBoundary) onto the SVG plane — an equirectangular projection scaled by the cosine
of the mean latitude, which at a city's size is as good as any — and the template fills each area
by class with a colour *and* a pattern, names it for screen readers and hover, and lists the
units that have no boundary under the map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agencies.models import UnitBoundary

from . import funnel
from .formatting import decimal

WIDTH = 760
MAX_HEIGHT = 640
PAD = 8
CLASS_ORDER = (funnel.ABOVE, funnel.WITHIN, funnel.BELOW, funnel.NOT_ENOUGH)


@dataclass(frozen=True)
class Area:
    """One unit to map: its class and the figure read out with its name."""

    unit_id: int
    code: str
    name: str
    classification: str
    label: str  # the class in words
    figure: str  # e.g. "91,2%" or "not enough answers"


@dataclass(frozen=True)
class Drawn:
    area: Area
    d: str  # the SVG path


def boundaries_of(unit_ids: list[int]) -> dict[int, list]:
    """The stored areas of these units (one query)."""
    if not unit_ids:
        return {}
    return dict(UnitBoundary.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "polygons"))


def choropleth(areas: list[Area], boundaries: dict[int, list] | None = None) -> dict | None:
    """Projected areas and the units without a boundary; None when no unit has a boundary."""
    if not areas:
        return None
    if boundaries is None:
        boundaries = boundaries_of([a.unit_id for a in areas])
    if not boundaries:
        return None
    xs = [p[0] for polys in boundaries.values() for poly in polys for ring in poly for p in ring]
    ys = [p[1] for polys in boundaries.values() for poly in polys for ring in poly for p in ring]
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x, span_y = max((lon1 - lon0) * kx, 1e-9), max(lat1 - lat0, 1e-9)
    scale = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
    height = round(span_y * scale + 2 * PAD)

    def ring_path(ring) -> str:
        out, last = [], None
        for lon, lat in ring:
            pt = (round(PAD + (lon - lon0) * kx * scale), round(PAD + (lat1 - lat) * scale))
            if pt != last:
                out.append(f"{pt[0]},{pt[1]}")
                last = pt
        return ("M" + "L".join(out) + "Z") if len(out) >= 3 else ""

    drawn, missing = [], []
    for a in areas:
        polys = boundaries.get(a.unit_id)
        if polys is None:
            missing.append(a)
            continue
        d = "".join(ring_path(ring) for poly in polys for ring in poly)
        if d:
            drawn.append(Drawn(a, d))
        else:
            missing.append(a)
    counts = {c: sum(1 for x in drawn if x.area.classification == c) for c in CLASS_ORDER}
    return {
        "width": WIDTH,
        "height": height,
        "areas": drawn,
        "without_boundary": missing,
        "counts": counts,
        "legend": [(c, counts[c]) for c in CLASS_ORDER],
    }


# Kinds of unit that are areas on a map (a department or a service centre is not).
TERRITORIAL = ("ward", "commune", "special_zone", "district", "province", "city")


def pct(value: float | None) -> str:
    return f"{decimal(value)}%"
