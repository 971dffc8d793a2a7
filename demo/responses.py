"""The demo's year of answers, drawn as numpy arrays (nothing is written here).

Rules protected here: the same `rng` gives the same responses; at least the requested number of
counted responses, over the 365 days before today (local time), none in the future; realistic
differences: units of different sizes, some improving, some slipping, weaker elements (feedback)
and procedures (land, construction), holidays and the rush before Tết.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from agencies.models import Unit

from . import catalogue as cat
from .structure import Place

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = 365

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
class Drawn:
    """The drawn responses: one entry per counted response in each array, sorted by submission time."""

    q_ids: np.ndarray  # the rated questions' ids, in the survey's order (the columns of `ratings`)
    now_s: float  # epoch seconds of today's local midnight: nothing is dated after it
    first_day: date
    last_day: date
    place_i: np.ndarray  # index into the places
    proc_i: np.ndarray  # index into the procedures
    channel: np.ndarray  # RECEIPT, KIOSK or LINK
    submitted: np.ndarray  # epoch seconds (int64)
    txn: np.ndarray  # when the citizen was served (epoch seconds, ≤ submitted)
    ratings: np.ndarray  # (responses, questions) int8: 1–5, 0 "not applicable", -1 not asked (kiosk)
    language: np.ndarray  # "vi" or "en"
    comments: list[str]  # "" for none
    clients: list[str]  # device hashes
    client_i: np.ndarray  # index into `clients`
    bursts: list[dict]  # excluded bursts (place, value, start, count, client), appended after the rest


def day_weights(first: date, days: int) -> tuple[np.ndarray, np.ndarray]:
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


def draw_responses(
    rng: np.random.Generator, *, places: list[Place], procedures: list[tuple], version, now: datetime, total: int
) -> Drawn:
    """Draw `total` counted responses over the 365 days before `now`'s local day, plus the bursts."""
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
    day_w, weekday = day_weights(first, DAYS)
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

    return Drawn(
        q_ids=q_ids,
        now_s=now_s,
        first_day=first,
        last_day=last,
        place_i=place_i,
        proc_i=proc_i,
        channel=channel,
        submitted=submitted,
        txn=txn,
        ratings=ratings,
        language=language,
        comments=comments,
        clients=clients,
        client_i=client_i,
        bursts=bursts,
    )


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
