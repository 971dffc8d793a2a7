"""Build the demo city: Hanoi after the 2025 reform with a year of citizens' answers.

Rules protected here:
- the same `seed` gives the same city and the same answers (units, procedures, counters,
  ratings, comments, times); only secrets differ: receipt codes, kiosk tokens and passwords come
  from `secrets`, so a demo database never holds guessable codes;
- at least the requested number of counted responses, over the last 12 months up to now, with
  realistic differences: units of different sizes (a few with under 30 answers a month), some
  improving, some slipping, weaker elements (feedback) and procedures (land, construction);
- everything is written in one transaction with raw bulk inserts and precomputed ids, so 100,000
  responses take seconds, not minutes; a failure leaves nothing half-built.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.importer import import_units, read_units_file
from agencies.models import Procedure, ServicePoint, Unit, UnitSuccession
from surveys.models import Answer, Kiosk, Receipt, Response, Survey, SurveyVersion
from surveys.standard import create_standard_survey

from . import catalogue as cat
from .accounts import DemoAccount, create_demo_accounts, save_passwords
from .bulk import Inserter, next_id, receipt_codes, timestamps, tune_sqlite
from .scope import demo_exists

log = logging.getLogger(__name__)

DEMO_SURVEY_SLUG = "chuan"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = 365
RECEIPT_DAYS = 30

# Public holidays with (nearly) no service: Tết and the fixed national days, 2025–2027.
HOLIDAYS = {
    *(date(2025, 1, 25) + timedelta(days=i) for i in range(9)),
    *(date(2026, 2, 14) + timedelta(days=i) for i in range(9)),
    *(date(2027, 2, 5) + timedelta(days=i) for i in range(9)),
    date(2025, 4, 7),
    date(2026, 4, 26),
    date(2027, 4, 16),  # Hùng Kings' day
    *(date(y, 4, 30) for y in (2025, 2026, 2027)),
    *(date(y, 5, 1) for y in (2025, 2026, 2027)),
    *(date(y, 9, 2) for y in (2025, 2026, 2027)),
    *(date(y, 9, 1) for y in (2025, 2026, 2027)),
    *(date(y, 1, 1) for y in (2025, 2026, 2027)),
}
TET = [date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6)]

# Logit offsets of the five elements (feedback is usually the weakest, civil servants the strongest).
DIMENSION_OFFSET = {"access": 0.05, "procedures": 0.25, "civil_servants": 0.45, "results": 0.1, "feedback": -0.5}
FIELD_OFFSET = {"Đất đai": -0.55, "Xây dựng": -0.45, "Hộ tịch": 0.2, "Chứng thực": 0.3, "Lý lịch tư pháp": 0.1}
# Share of "not applicable" per question of the standard survey, in its order.
NOT_APPLICABLE = [0.02, 0.04, 0.05, 0.02, 0.03, 0.12, 0.04, 0.01, 0.01, 0.02, 0.05, 0.03, 0.04, 0.10, 0.35, 0.40]
# Ordered-logit cut points: P(rating >= 4) = sigmoid(eta); see DESIGN.md, Scoring method.
CUTS = np.array([-3.2, -1.7, 0.0, 1.9])
RECEIPT, KIOSK, LINK = 0, 1, 2
CHANNELS = ["receipt", "kiosk", "link"]


@dataclass
class DemoSummary:
    units: int = 0
    historical_units: int = 0
    successions: int = 0
    procedures: int = 0
    service_points: int = 0
    kiosks: int = 0
    receipts: int = 0
    responses: int = 0
    excluded: int = 0
    answers: int = 0
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)


class DemoExists(Exception):
    """The demo city is already in this database."""


# --------------------------------------------------------------------------- build


@dataclass
class _Place:
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


def build_demo(
    *, seed: int = 2025, responses: int = 100_000, now: datetime | None = None, progress=None
) -> DemoSummary:
    """Build the demo city with `responses` counted responses (plus a few excluded bursts)."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    now = now or timezone.now()
    rng = np.random.default_rng(seed)
    summary = DemoSummary()
    tune_sqlite()
    with transaction.atomic():
        if demo_exists():
            raise DemoExists()
        say(_("Building the units…"))
        city, places, procedures = _build_structure(rng, summary)
        version = _standard_version(city)
        summary.accounts = create_demo_accounts()
        admin = get_user_model().objects.get(username=cat.ACCOUNTS[-1][0])
        say(_("Building a year of responses…"))
        if responses:
            _build_responses(rng, places, procedures, version, admin, now, responses, summary)
        if connection.vendor == "postgresql":
            # Ids were assigned here, not by the sequences: move the sequences past them.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Receipt, Response, Answer]):
                    cursor.execute(sql)
        save_passwords(summary.accounts)
    summary.seconds = time.monotonic() - started
    return summary


def _build_structure(rng: np.random.Generator, summary: DemoSummary):
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
    places: list[_Place] = []
    for i, unit in enumerate(communal):
        n_counters = 1 if i in small else int(np.clip(round(size[i] * 2), 1, 3))
        counters = cat.COUNTERS[:n_counters]
        points += [ServicePoint(unit=unit, code=c, name_vi=vi, name_en=en) for c, vi, en, _f in counters]
        place = _Place(unit, commune_procs, weight_of[commune_procs], {})
        place.yearly = -rng.uniform(120, 320) if i in small else size[i]  # negative: a fixed small count
        places.append(place)
    centre = next(u for u in serving if u.code == cat.CENTRE[0])
    points += [
        ServicePoint(unit=centre, code=f"Q{k}", name_vi=f"Quầy số {k}", name_en=f"Counter {k}") for k in range(1, 7)
    ]
    places.append(_Place(centre, city_procs, weight_of[city_procs], {}, yearly=-1.0))
    for unit in serving:
        if unit.kind != Unit.Kind.DEPARTMENT:
            continue
        mine = np.array([i for i in city_procs if procedures[i][2] == unit.code])
        points.append(ServicePoint(unit=unit, code="MC", name_vi="Bộ phận Một cửa", name_en="One-stop shop"))
        places.append(_Place(unit, mine, weight_of[mine], {}, yearly=-2.0))
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


def _standard_version(city: Unit) -> SurveyVersion:
    existing = SurveyVersion.objects.filter(
        survey__is_standard=True, status=SurveyVersion.Status.PUBLISHED, survey__owner=city
    ).first()
    if existing:
        return existing
    # Survey slugs are unique across the database: another city may already have "chuan".
    slug = DEMO_SURVEY_SLUG if not Survey.objects.filter(slug=DEMO_SURVEY_SLUG).exists() else f"chuan-{city.code}"
    return create_standard_survey(city=city, slug=slug)


def _day_weights(first: date, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Relative volume of each day at the counters, and each day's weekday."""
    weights = np.empty(days)
    weekday = np.empty(days, dtype=int)
    for i in range(days):
        day = first + timedelta(days=i)
        weekday[i] = day.weekday()
        w = (1.0, 1.05, 1.0, 1.0, 0.95, 0.35, 0.0)[day.weekday()]
        if day in HOLIDAYS:
            w = 0.0
        for tet in TET:
            if 0 < (tet - day).days <= 21:
                w *= 1.3  # everyone wants their papers before Tết
        if day.month in (6, 7, 8):
            w *= 1.1  # school enrolment: certified copies and birth extracts
        weights[i] = w
    return weights, weekday


def _build_responses(rng, places, procedures, version, admin, now, total, summary) -> None:
    questions = list(version.questions.filter(kind="rating").select_related("dimension").order_by("order", "id"))
    q_ids = np.array([q.pk for q in questions])
    q_dim = np.array([DIMENSION_OFFSET.get(q.dimension.code if q.dimension else "", 0.0) for q in questions])
    on_kiosk = np.array([q.on_kiosk for q in questions])
    na = np.array((NOT_APPLICABLE + [0.05] * len(questions))[: len(questions)])
    dim_codes = [q.dimension.code if q.dimension else "" for q in questions]

    # The window is the 365 days before today (local time), so the same seed gives the same answers
    # all day long; nothing is ever dated in the future.
    today = now.astimezone(LOCAL).date()
    last = today - timedelta(days=1)
    first = last - timedelta(days=DAYS - 1)
    start_utc = datetime(first.year, first.month, first.day, tzinfo=LOCAL).timestamp()
    now_s = datetime(today.year, today.month, today.day, tzinfo=LOCAL).timestamp()
    day_w, weekday = _day_weights(first, DAYS)
    month_of_day = np.array([(first + timedelta(days=i)).month for i in range(DAYS)])

    # How many responses each place gets.
    n_places = len(places)
    # Small units get a fixed count per 100,000 responses (10–27 a month at the default size).
    fixed = np.array([-p.yearly * total / 100_000 if p.yearly < -10 else 0.0 for p in places])
    relative = np.array([p.yearly if p.yearly > 0 else 0.0 for p in places])
    city_share = 0.11 * total
    proc_weight = np.array([p[3] for p in procedures], dtype=float)
    for i, place in enumerate(places):
        if place.unit.kind == Unit.Kind.SERVICE_CENTRE:
            fixed[i] = city_share * 0.55
        elif place.unit.kind == Unit.Kind.DEPARTMENT:
            share = (
                proc_weight[place.procedures].sum()
                / proc_weight[[j for j, p in enumerate(procedures) if p[2] != "commune"]].sum()
            )
            # A department answers at least ~35 times a month, unless it has almost no procedures.
            fixed[i] = max(city_share * 0.45 * share, 0.0 if share < 0.007 else min(420.0, total / 240))
    rest = max(total - fixed.sum(), 0)
    expected = fixed + rest * relative / relative.sum()
    expected *= total / expected.sum() if expected.sum() else 0.0
    counts = np.floor(expected).astype(int)
    counts[np.argsort(expected - counts)[::-1][: total - counts.sum()]] += 1  # exact total

    # Each place's level and trend: most steady, some improving, some slipping (logit per year).
    for place in places:
        place.base = rng.normal(2.0, 0.45)
        place.slope = rng.normal(0.0, 0.2)
        place.english = 0.06 if place.unit.code in (cat.CENTRE[0], "00004", "00091") else 0.015
    order = rng.permutation(n_places)
    for i in order[:14]:
        places[i].slope = rng.uniform(0.8, 1.5)
    for i in order[14:26]:
        places[i].slope = -rng.uniform(0.8, 1.5)
    for place in places:
        if place.unit.code == cat.DEMO_WARD:
            place.base, place.slope = 1.7, 1.1  # the demo ward is improving: its trend tells a story
    month_shock = rng.normal(0.0, 0.15, (n_places, 13))
    unit_dim = rng.normal(0.0, 0.25, (n_places, len(set(dim_codes))))
    dim_index = {code: k for k, code in enumerate(sorted(set(dim_codes)))}
    q_dim_index = np.array([dim_index[c] for c in dim_codes])

    cols = {k: [] for k in ("place", "day", "proc", "channel")}
    for i, place in enumerate(places):
        n = counts[i]
        if n == 0:
            continue
        w = day_w * np.exp(month_shock[i, month_of_day] * 2)
        days = rng.choice(DAYS, size=n, p=w / w.sum())
        procs = rng.choice(place.procedures, size=n, p=place.weights / place.weights.sum())
        channel = rng.choice(3, size=n, p=[0.68, 0.27, 0.05] if place.kiosk_id else [0.94, 0.0, 0.06])
        cols["place"].append(np.full(n, i))
        cols["day"].append(days)
        cols["proc"].append(procs)
        cols["channel"].append(channel)
    place_i = np.concatenate(cols["place"])
    day_i = np.concatenate(cols["day"])
    proc_i = np.concatenate(cols["proc"])
    channel = np.concatenate(cols["channel"])
    m = len(place_i)

    # When: office hours, local time; the open link at any hour of the day.
    morning = rng.random(m) < np.where(weekday[day_i] == 5, 1.0, 0.6)
    minute = np.where(morning, rng.uniform(7.5 * 60, 11.5 * 60, m), rng.uniform(13.5 * 60, 17 * 60, m))
    minute = np.where(channel == LINK, rng.uniform(6 * 60, 23 * 60, m), minute)
    txn = start_utc + day_i * 86400.0 + minute * 60.0
    delay = np.where(rng.random(m) < 0.45, rng.uniform(60, 1800, m), rng.exponential(20 * 3600, m))
    delay = np.minimum(delay, 6 * 86400)
    submitted = np.where(channel == RECEIPT, txn + delay, txn)
    # Nothing after the window: late answers move back to its last evening.
    late = submitted > now_s - 60
    submitted[late] = now_s - 60 - rng.uniform(0, 3 * 3600, late.sum())
    txn = np.minimum(txn, submitted)
    submitted = submitted.astype(np.int64)
    txn = txn.astype(np.int64)

    # How satisfied: the place's level and trend, the element, the procedure's field, the person.
    frac = (submitted - start_utc) / (DAYS * 86400.0)
    base = np.array([p.base for p in places])[place_i]
    slope = np.array([p.slope for p in places])[place_i]
    month_idx = month_of_day[day_i]
    field_off = np.array([FIELD_OFFSET.get(p[1], 0.0) for p in procedures])[proc_i]
    field_off = np.where(channel == KIOSK, field_off * 0.5, field_off)
    channel_off = np.array([0.0, 0.25, -0.6])[channel]
    eta = (
        base
        + slope * (frac - 0.5)
        + 0.25 * (frac - 0.5)
        + month_shock[place_i, month_idx]
        + field_off
        + channel_off
        + rng.normal(0.0, 0.9, m)
    )
    latent = (
        eta[:, None] + q_dim[None, :] + unit_dim[place_i][:, q_dim_index] + rng.logistic(0.0, 1.0, (m, len(questions)))
    )
    ratings = (1 + (latent[:, :, None] > CUTS[None, None, :]).sum(axis=2)).astype(np.int8)
    not_applicable = rng.random((m, len(questions))) < np.where(channel[:, None] == KIOSK, na * 0.5, na)
    ratings[not_applicable] = 0
    ratings[(channel == KIOSK)[:, None] & ~on_kiosk[None, :]] = -1

    # Sort by time so that ids grow with time, as they would in production.
    order = np.argsort(submitted, kind="stable")
    place_i, day_i, proc_i, channel = place_i[order], day_i[order], proc_i[order], channel[order]
    submitted, txn, ratings = submitted[order], txn[order], ratings[order]

    language = np.where(rng.random(m) < np.array([p.english for p in places])[place_i], "en", "vi")
    comments = _comments(rng, ratings, channel, language)
    clients = [rng.bytes(32).hex() for _ in range(max(m // 3, 1))]
    client_i = rng.integers(0, len(clients), m)

    # Excluded bursts: one device sending the same ratings again and again (spam), already moderated.
    bursts = _bursts(rng, places, submitted, now_s, len(questions), on_kiosk)

    _insert_everything(
        rng,
        places,
        procedures,
        version,
        q_ids,
        admin,
        now_s,
        place_i,
        proc_i,
        channel,
        submitted,
        txn,
        ratings,
        language,
        comments,
        clients,
        client_i,
        bursts,
        summary,
    )
    summary.first_day, summary.last_day = first, last


def _comments(rng, ratings, channel, language) -> list[str]:
    rated = np.where(ratings > 0, ratings, 0).astype(float)
    counts = (ratings > 0).sum(axis=1)
    mean = np.divide(rated.sum(axis=1), counts, out=np.full(len(counts), 4.0), where=counts > 0)
    p = np.where(mean <= 2.6, 0.45, np.where(mean >= 4.5, 0.07, 0.10))
    p = np.where(channel == KIOSK, p * 0.3, p)
    has = rng.random(len(p)) < p
    pick = rng.random(len(p))
    out = []
    for has_one, avg, lang, u in zip(has.tolist(), mean.tolist(), language.tolist(), pick.tolist(), strict=True):
        if not has_one:
            out.append("")
            continue
        if lang == "en":
            pool = cat.COMMENTS_ENGLISH_NEGATIVE if avg < 3.5 else cat.COMMENTS_ENGLISH_POSITIVE
        elif avg <= 3.2:
            pool = cat.COMMENTS_NEGATIVE
        elif avg >= 4.2:
            pool = cat.COMMENTS_POSITIVE
        else:
            # Middling ratings: a suggestion or one thing that went wrong.
            pool = cat.COMMENTS_MIXED
        out.append(pool[int(u * len(pool))])
    return out


def _bursts(rng, places, submitted, now_s, n_questions, on_kiosk) -> list[dict]:
    bursts = []
    communal = [i for i, p in enumerate(places) if p.unit.kind in (Unit.Kind.WARD, Unit.Kind.COMMUNE)]
    span = max(int(now_s - submitted.min()), 86400)
    for value in (5, 1):
        at = int(submitted.min() + rng.integers(span // 4, max(span - 86400, span // 4 + 1)))
        bursts.append(
            {
                "place": int(rng.choice(communal)),
                "value": value,
                "start": at,
                "count": round(len(submitted) * rng.uniform(0.0011, 0.0014)),
                "client": rng.bytes(32).hex(),
            }
        )
    return bursts


def _insert_everything(
    rng,
    places,
    procedures,
    version,
    q_ids,
    admin,
    now_s,
    place_i,
    proc_i,
    channel,
    submitted,
    txn,
    ratings,
    language,
    comments,
    clients,
    client_i,
    bursts,
    summary,
) -> None:
    m = len(place_i)
    unit_ids = np.array([p.unit.pk for p in places])
    proc_ids = np.array([p[0].pk for p in procedures])
    proc_field = [p[1] for p in procedures]
    # The counter that handles each (place, procedure): by field, else counter 1.
    point_of = np.zeros((len(places), len(procedures)), dtype=np.int64)
    for i, place in enumerate(places):
        default = place.counters.get("Q1") or place.counters.get("MC") or next(iter(place.counters.values()), 0)
        for j, field_vi in enumerate(proc_field):
            chosen = default
            for code, _vi, _en, fields in cat.COUNTERS:
                if field_vi in fields and code in place.counters:
                    chosen = place.counters[code]
            if place.unit.kind == Unit.Kind.SERVICE_CENTRE and place.counters:
                chosen = place.counters[f"Q{1 + j % len(place.counters)}"]
            point_of[i, j] = chosen
    kiosk_of = np.array([p.kiosk_id or 0 for p in places])
    kiosk_point = np.array([p.kiosk_point or 0 for p in places])

    # Receipts: every receipt answer has one; about one in four receipts is never answered.
    is_receipt = channel == RECEIPT
    n_used = int(is_receipt.sum())
    n_unused = int(n_used * 0.28)
    unused_place = rng.choice(place_i, size=n_unused)
    unused_proc = np.array([rng.choice(places[i].procedures) for i in unused_place.tolist()], dtype=int)
    unused_txn = rng.choice(txn, size=n_unused) + rng.integers(-3 * 86400, 3 * 86400, n_unused)
    # Receipts of the last two days are mostly not answered yet: a few fresh ones per place.
    fresh = 3
    unused_place = np.concatenate([unused_place, np.repeat(np.arange(len(places)), fresh)])
    unused_proc = np.concatenate(
        [unused_proc, [rng.choice(places[i].procedures) for i in range(len(places)) for _ in range(fresh)]]
    ).astype(int)
    unused_txn = np.concatenate([unused_txn, int(now_s) - rng.integers(3600, 2 * 86400, len(places) * fresh)])
    unused_txn = np.minimum(unused_txn, int(now_s) - 3600)
    n_unused = len(unused_txn)
    codes = receipt_codes(n_used + n_unused, set(Receipt.objects.values_list("code", flat=True)))
    receipt_base = next_id(Receipt)
    used_txn = txn[is_receipt]
    r_place = np.concatenate([place_i[is_receipt], unused_place])
    r_proc = np.concatenate([proc_i[is_receipt], unused_proc])
    r_issued = np.concatenate([used_txn, unused_txn])
    r_used = timestamps(submitted[is_receipt]) + [None] * n_unused
    issued_text = timestamps(r_issued)
    expires_text = timestamps(r_issued + RECEIPT_DAYS * 86400)
    Receipt_rows = zip(
        range(receipt_base, receipt_base + len(codes)),
        codes,
        unit_ids[r_place].tolist(),
        point_of[r_place, r_proc].tolist(),
        proc_ids[r_proc].tolist(),
        issued_text,
        expires_text,
        r_used,
        strict=True,
    )
    Inserter(
        Receipt, ["id", "code", "unit", "service_point", "procedure", "issued_at", "expires_at", "used_at"]
    ).insert(Receipt_rows)
    summary.receipts = len(codes)

    receipt_id = np.zeros(m, dtype=np.int64)
    receipt_id[is_receipt] = np.arange(receipt_base, receipt_base + n_used)
    sp = np.where(channel == KIOSK, kiosk_point[place_i], point_of[place_i, proc_i])
    sp = np.where(channel == LINK, 0, sp)
    procedure = proc_ids[proc_i]
    procedure = np.where(channel == KIOSK, 0, procedure)
    procedure = np.where((channel == LINK) & (rng.random(m) < 0.5), 0, procedure)
    kiosk = np.where(channel == KIOSK, kiosk_of[place_i], 0)

    # Bursts are appended after the counted responses.
    b_rows = []
    for burst in bursts:
        for k in range(burst["count"]):
            b_rows.append(
                (burst["place"], burst["start"] + k * int(rng.integers(5, 12)), burst["value"], burst["client"])
            )
    n_b = len(b_rows)
    b_place = np.array([r[0] for r in b_rows], dtype=int)
    b_time = np.array([r[1] for r in b_rows], dtype=np.int64)
    b_ratings = np.array([[r[2]] * ratings.shape[1] for r in b_rows], dtype=np.int8).reshape(n_b, ratings.shape[1])

    response_base = next_id(Response)
    total = m + n_b
    uuid_bytes = np.frombuffer(rng.bytes(16 * total), dtype=np.uint8).reshape(total, 16).copy()
    uuid_bytes[:, 6] = (uuid_bytes[:, 6] & 0x0F) | 0x40
    uuid_bytes[:, 8] = (uuid_bytes[:, 8] & 0x3F) | 0x80
    hexes = uuid_bytes.tobytes().hex()
    keys = [hexes[i * 32 : (i + 1) * 32] for i in range(total)]
    sub_text = timestamps(np.concatenate([submitted, b_time]))
    excluded_at = timestamps(b_time + 86400)
    none_if_zero = lambda values: [v or None for v in values]

    def counted_rows():
        for row in zip(
            range(response_base, response_base + m),
            unit_ids[place_i].tolist(),
            none_if_zero(sp.tolist()),
            none_if_zero(procedure.tolist()),
            none_if_zero(receipt_id.tolist()),
            none_if_zero(kiosk.tolist()),
            [CHANNELS[c] for c in channel.tolist()],
            language.tolist(),
            sub_text[:m],
            keys[:m],
            comments,
            [clients[i] for i in client_i.tolist()],
            sub_text[:m],
            strict=True,
        ):
            yield (version.pk, *row, False, "", None, None)

    def burst_rows():
        for k in range(n_b):
            yield (
                version.pk,
                response_base + m + k,
                int(unit_ids[b_place[k]]),
                None,
                None,
                None,
                None,
                "link",
                "vi",
                sub_text[m + k],
                keys[m + k],
                "",
                b_rows[k][3],
                excluded_at[k],
                True,
                cat.EXCLUSION_REASON,
                excluded_at[k],
                admin.pk,
            )

    inserter = Inserter(
        Response,
        [
            "version",
            "id",
            "unit",
            "service_point",
            "procedure",
            "receipt",
            "kiosk",
            "channel",
            "language",
            "submitted_at",
            "idempotency_key",
            "comment",
            "client_hash",
            "changed_at",
            "excluded",
            "excluded_reason",
            "excluded_at",
            "excluded_by",
        ],
    )
    inserter.insert(counted_rows())
    inserter.insert(burst_rows())
    summary.responses = m
    summary.excluded = n_b

    all_ratings = np.concatenate([ratings, b_ratings])
    asked = all_ratings >= 0
    rows, qcols = np.nonzero(asked)
    values = all_ratings[asked].tolist()
    answer_base = next_id(Answer)
    answer_rows = zip(
        range(answer_base, answer_base + len(values)),
        (rows + response_base).tolist(),
        q_ids[qcols].tolist(),
        [v or None for v in values],
        strict=True,
    )
    Inserter(Answer, ["id", "response", "question", "value", "kind", "text"]).insert(
        (*row, "rating", "") for row in answer_rows
    )
    summary.answers = len(values)
    log.info("demo answers: %s", len(values))
