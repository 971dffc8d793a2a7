"""Boundaries of units as plain coordinate lists: reading GeoJSON, simplifying (Douglas–Peucker).

A boundary is stored as a list of polygons, each a list of rings (the first the outline, the rest
holes), each ring a list of [longitude, latitude] pairs — GeoJSON's MultiPolygon coordinates.
"""

from __future__ import annotations

import math
from typing import Any

Ring = list[list[float]]
Polygons = list[list[Ring]]


class GeometryError(ValueError):
    """A feature whose geometry is not a Polygon or MultiPolygon of numeric coordinates."""


def polygons_of(geometry: dict[str, Any]) -> Polygons:
    """The geometry as MultiPolygon coordinates."""
    kind = (geometry or {}).get("type")
    coords = (geometry or {}).get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        raise GeometryError(f"geometry type {kind!r} is not Polygon or MultiPolygon")
    try:
        return [[[[float(x), float(y)] for x, y, *_rest in ring] for ring in polygon] for polygon in polygons]
    except (TypeError, ValueError) as exc:
        raise GeometryError(f"coordinates are not pairs of numbers: {exc}") from exc


def _perpendicular(p: list[float], a: list[float], b: list[float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    return abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / math.hypot(dx, dy)


def simplify_line(points: Ring, tolerance: float) -> Ring:
    """Douglas–Peucker: the fewest points within `tolerance` (degrees) of the line (iterative)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index != -1 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def simplify(polygons: Polygons, tolerance: float, digits: int = 4) -> Polygons:
    """Each ring simplified and rounded; rings that collapse below a triangle are dropped, and so
    are polygons whose outline collapses (a speck of an island at this scale)."""
    out: Polygons = []
    for polygon in polygons:
        rings = []
        for i, ring in enumerate(polygon):
            closed = ring[0] == ring[-1]
            line = simplify_line(ring[:-1] if closed else ring, tolerance) if tolerance > 0 else ring
            # A closed ring splits at its first point; keep the farthest point so it cannot vanish.
            if tolerance > 0 and closed and len(line) < 3 and len(ring) > 3:
                far = max(ring, key=lambda p: math.hypot(p[0] - ring[0][0], p[1] - ring[0][1]))
                line = (
                    simplify_line(ring[: ring.index(far) + 1], tolerance)[:-1]
                    + simplify_line(ring[ring.index(far) : -1] + [ring[0]], tolerance)[:-1]
                )
            rounded = []
            for x, y in line:
                q = [round(x, digits), round(y, digits)]
                if not rounded or rounded[-1] != q:
                    rounded.append(q)
            if len(rounded) >= 3:
                rings.append(rounded + [rounded[0]])
            elif i == 0:
                break
        if rings:
            out.append(rings)
    return out


def count_points(polygons: Polygons) -> int:
    return sum(len(ring) for polygon in polygons for ring in polygon)
