"""The demo city's structure: Hanoi's units (from the importer), departments, the service centre,
procedures, counters, kiosks and the standard survey.

Rule protected here: the structure comes from the same seed every time (sizes, small units, which
places have a kiosk); only kiosk tokens come from `secrets`.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agencies.importer import import_units, read_units_file
from agencies.models import Procedure, ServicePoint, Unit, UnitSuccession
from surveys.models import Kiosk, Survey, SurveyVersion
from surveys.standard import create_standard_survey

from . import catalogue as cat

if TYPE_CHECKING:
    from .summary import DemoSummary

log = logging.getLogger(__name__)

DEMO_SURVEY_SLUG = "chuan"


@dataclass
class Place:
    """A unit that serves citizens, with what the generator needs about it."""

    unit: Unit
    procedures: np.ndarray  # indexes into the procedure list
    weights: np.ndarray
    counters: dict[str, int]  # counter code → service point id
    kiosk_id: int | None = None
    kiosk_point: int | None = None
    yearly: float = 0.0
    base: float = 0.0
    slope: float = 0.0
    english: float = 0.02


def build_structure(rng: np.random.Generator, summary: DemoSummary) -> tuple[Unit, list[Place], list[tuple]]:
    """The city, the places that serve citizens and the procedures as (procedure, field, level, weight)."""
    result = import_units(data=read_units_file(cat.HANOI_FILE), provinces=[cat.CITY_CODE])
    city = Unit.objects.get(code=cat.CITY_CODE)
    for code, name_vi, name_en in cat.DEPARTMENTS:
        Unit.objects.update_or_create(
            code=code,
            defaults={
                "name_vi": name_vi,
                "name_en": name_en,
                "parent": city,
                "kind": Unit.Kind.DEPARTMENT,
                "active": True,
            },
        )
    code, name_vi, name_en = cat.CENTRE
    Unit.objects.update_or_create(
        code=code,
        defaults={
            "name_vi": name_vi,
            "name_en": name_en,
            "parent": city,
            "kind": Unit.Kind.SERVICE_CENTRE,
            "active": True,
        },
    )
    procedures = []
    for code, name_vi, name_en, field_vi, level, weight in cat.PROCEDURES:
        proc, _ = Procedure.objects.update_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "field": field_vi, "active": True}
        )
        procedures.append((proc, field_vi, level, weight))

    serving = list(Unit.objects.filter(parent=city, active=True).exclude(kind=Unit.Kind.DISTRICT).order_by("code"))
    communal = [u for u in serving if u.kind in (Unit.Kind.WARD, Unit.Kind.COMMUNE, Unit.Kind.SPECIAL_ZONE)]
    commune_procs = np.array([i for i, p in enumerate(procedures) if p[2] == "commune"])
    city_procs = np.array([i for i, p in enumerate(procedures) if p[2] != "commune"])
    weight_of = np.array([p[3] for p in procedures], dtype=float)

    # Sizes: wards busier than rural communes; a handful of small units with little data.
    size = np.clip(rng.lognormal(0.0, 0.4, len(communal)), 0.9, None) * np.array(
        [1.4 if u.kind == Unit.Kind.WARD else 0.8 for u in communal]
    )
    small = set(rng.choice(len(communal), size=6, replace=False).tolist())
    for i, unit in enumerate(communal):
        if unit.code == cat.DEMO_WARD:
            # The demo accounts' ward is a busy one, so its dashboard has plenty to show.
            size[i] = max(size[i], 2.6)
            small.discard(i)
    points: list[ServicePoint] = []
    places: list[Place] = []
    for i, unit in enumerate(communal):
        n_counters = 1 if i in small else int(np.clip(round(size[i] * 2), 1, 3))
        counters = cat.COUNTERS[:n_counters]
        points += [ServicePoint(unit=unit, code=c, name_vi=vi, name_en=en) for c, vi, en, _f in counters]
        place = Place(unit, commune_procs, weight_of[commune_procs], {})
        place.yearly = -rng.uniform(120, 320) if i in small else size[i]  # negative: a fixed small count
        places.append(place)
    centre = next(u for u in serving if u.code == cat.CENTRE[0])
    points += [
        ServicePoint(unit=centre, code=f"Q{k}", name_vi=f"Quầy số {k}", name_en=f"Counter {k}") for k in range(1, 7)
    ]
    places.append(Place(centre, city_procs, weight_of[city_procs], {}, yearly=-1.0))
    for unit in serving:
        if unit.kind != Unit.Kind.DEPARTMENT:
            continue
        mine = np.array([i for i in city_procs if procedures[i][2] == unit.code])
        points.append(ServicePoint(unit=unit, code="MC", name_vi="Bộ phận Một cửa", name_en="One-stop shop"))
        places.append(Place(unit, mine, weight_of[mine], {}, yearly=-2.0))
    ServicePoint.objects.bulk_create(points, ignore_conflicts=True)
    by_unit: dict[int, dict[str, int]] = {}
    for sp_id, unit_id, sp_code in ServicePoint.objects.filter(unit__in=serving).values_list("id", "unit_id", "code"):
        by_unit.setdefault(unit_id, {})[sp_code] = sp_id
    kiosks = []
    for place in places:
        place.counters = by_unit.get(place.unit.pk, {})
        busy = place.yearly < 0 and place.unit.kind == Unit.Kind.SERVICE_CENTRE or place.yearly > 0.9
        if busy:
            point = place.counters.get("Q1")
            kiosks.append(
                Kiosk(
                    service_point_id=point,
                    label=f"Thiết bị đánh giá — {place.unit.name_vi}",
                    token=secrets.token_urlsafe(32),
                )
            )
    Kiosk.objects.bulk_create(kiosks)
    kiosk_by_point = dict(Kiosk.objects.filter(service_point__unit__in=serving).values_list("service_point_id", "id"))
    for place in places:
        point = place.counters.get("Q1")
        if point in kiosk_by_point:
            place.kiosk_id, place.kiosk_point = kiosk_by_point[point], point

    summary.units = Unit.objects.filter(path__startswith=city.path, active=True).count()
    summary.historical_units = Unit.objects.filter(code__startswith="old-", path__startswith=city.path).count()
    summary.successions = UnitSuccession.objects.filter(successor__path__startswith=city.path).count()
    summary.procedures = len(procedures)
    summary.service_points = ServicePoint.objects.filter(unit__in=serving).count()
    summary.kiosks = len(kiosk_by_point)
    log.info("demo structure: %s units created by the importer", result.units_created)
    return city, places, procedures


def standard_version(city: Unit) -> SurveyVersion:
    existing = SurveyVersion.objects.filter(
        survey__is_standard=True, status=SurveyVersion.Status.PUBLISHED, survey__owner=city
    ).first()
    if existing:
        return existing
    # Survey slugs are unique across the database: another city may already have "chuan".
    slug = DEMO_SURVEY_SLUG if not Survey.objects.filter(slug=DEMO_SURVEY_SLUG).exists() else f"chuan-{city.code}"
    return create_standard_survey(city=city, slug=slug)
