"""`load_boundaries FILE`: the map areas of units from a GeoJSON FeatureCollection.

Each feature's `code` property (or `--code-property`) names the unit. Features whose code matches
no unit are reported and skipped; they never stop the others from loading, and nothing on the
pages depends on them. Geometry is simplified on the way in (Douglas–Peucker, `--tolerance`
degrees), so that pages that draw the map stay light.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.geometry import GeometryError, count_points, polygons_of, simplify
from agencies.models import Unit, UnitBoundary

DEFAULT_TOLERANCE = 0.0005


def load(path: Path, *, code_property: str = "code", tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """Load the file; returns {"loaded", "unmatched" (codes), "invalid" (code: reason), "points"}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: not a readable GeoJSON file ({exc})") from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise CommandError(f"{path}: expected a GeoJSON FeatureCollection")
    units = dict(Unit.objects.values_list("code", "id"))
    result = {"loaded": 0, "unmatched": [], "invalid": {}, "points": 0}
    source = path.name[:200]
    with transaction.atomic():
        for feature in data["features"]:
            props = (feature or {}).get("properties") or {}
            code = str(props.get(code_property) or "").strip()
            if code not in units:
                result["unmatched"].append(code or "(no code)")
                continue
            try:
                polygons = simplify(polygons_of(feature.get("geometry")), tolerance)
            except GeometryError as exc:
                result["invalid"][code] = str(exc)
                continue
            if not polygons:
                result["invalid"][code] = "empty geometry"
                continue
            UnitBoundary.objects.update_or_create(
                unit_id=units[code], defaults={"polygons": polygons, "source": source}
            )
            result["loaded"] += 1
            result["points"] += count_points(polygons)
    return result


class Command(BaseCommand):
    help = (
        "Load map boundaries of units from a GeoJSON FeatureCollection whose features carry the unit's code. "
        "Codes that match no unit are reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="GeoJSON file (e.g. agencies/data/boundaries/hanoi-2025-wards.geojson)."
        )
        parser.add_argument(
            "--code-property", default="code", help="The feature property holding the unit code (default: code)."
        )
        parser.add_argument(
            "--tolerance",
            type=float,
            default=DEFAULT_TOLERANCE,
            help=f"Simplification tolerance in degrees (default {DEFAULT_TOLERANCE}; 0 keeps every point).",
        )

    def handle(self, *args, **options):
        if options["tolerance"] < 0:
            raise CommandError("--tolerance must be 0 or more")
        result = load(options["file"], code_property=options["code_property"], tolerance=options["tolerance"])
        self.stdout.write(f"{result['loaded']} boundaries loaded ({result['points']} points).")
        if result["unmatched"]:
            codes = ", ".join(result["unmatched"][:50]) + (" …" if len(result["unmatched"]) > 50 else "")
            self.stderr.write(
                self.style.WARNING(f"Skipped, no unit has the code ({len(result['unmatched'])}): {codes}")
            )
        for code, reason in result["invalid"].items():
            self.stderr.write(self.style.WARNING(f"{code}: skipped, {reason}"))
