"""The rollup against an independent reference, written in plain Python from the raw answers.

The reference below shares no code with reports.rollup or reports.scoring: it walks every
response and answer, builds each key's list of per-response (x, y) pairs and computes the
figures straight from the DESIGN.md definitions. The Score rows must match it on SQLite and on
PostgreSQL (marked anydb: runs in both sessions).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from scipy.stats import beta

from agencies.models import UnitSuccession
from reports import rollup
from reports.models import Score
from surveys.models import Answer, Response
from surveys.tests.factories import make_response, make_standard_survey

Z = 1.959963984540054
FIGURES = (
    "responses",
    "answers",
    "satisfied",
    "not_dissatisfied",
    "dissatisfied",
    "mean",
    "index_sipas",
    "ci_low_sipas",
    "ci_high_sipas",
    "index_766",
    "ci_low_766",
    "ci_high_766",
    "enough_responses",
    "n_eff_sipas",
    "n_eff_766",
    "change_sipas",
    "change_sipas_significant",
    "change_766",
    "change_766_significant",
)


# --------------------------------------------------------------------------- the reference


def _starts(day: date) -> dict[str, date]:
    quarter_month = (day.month - 1) // 3 * 3 + 1
    return {
        "day": day,
        "month": day.replace(day=1),
        "quarter": date(day.year, quarter_month, 1),
        "year": date(day.year, 1, 1),
    }


def _previous(start: date, period_type: str) -> date:
    if period_type == "day":
        return start - timedelta(days=1)
    months = {"month": 1, "quarter": 3, "year": 12}[period_type]
    total = start.year * 12 + start.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


def _ancestors_by_unit(units, today: date) -> dict[int, set[int]]:
    """Path ancestors, plus everything above a full successor already in force."""
    parent = {u.pk: u.parent_id for u in units}
    full = {
        s.predecessor_id: s.successor_id for s in UnitSuccession.objects.filter(kind="full", effective_on__lte=today)
    }

    def up(unit_id, seen):
        result = set()
        while unit_id is not None and unit_id not in result:
            result.add(unit_id)
            if unit_id in full and full[unit_id] not in seen:
                result |= up(full[unit_id], seen | {full[unit_id]})
            unit_id = parent[unit_id]
        return result

    return {u.pk: up(u.pk, {u.pk}) for u in units}


def _estimate(pairs: list[tuple[int, int]]):
    n = len(pairs)
    sx = sum(x for x, _ in pairs)
    sy = sum(y for _, y in pairs)
    r = sy / sx
    if n < 2:
        return 100 * r, None, None, None, None
    var = n / (n - 1) * sum((y - r * x) ** 2 for x, y in pairs) / sx**2
    low, high, n_eff = _korn_graubard(r, var, sx)
    return 100 * r, 100 * low, 100 * high, var, n_eff


def _korn_graubard(r: float, var: float, answers: int) -> tuple[float, float, float]:
    """NCHS 2017: Clopper–Pearson on n_eff = r(1−r)/Var, at most the rated answers; the rated
    answers when r is 0 or 1 (or no response differs from another)."""
    if 0 < r < 1 and var > 1e-15:
        n_eff = min(r * (1 - r) / var, answers)
    else:
        n_eff = answers
    x = r * n_eff
    low = beta.ppf(0.025, x, n_eff - x + 1) if x > 0 else 0.0
    high = beta.ppf(0.975, x + 1, n_eff - x) if x < n_eff else 1.0
    return float(low), float(high), float(n_eff)


def reference_scores(today: date | None = None) -> dict[tuple, dict]:
    """Every Score the rollup should write, keyed (unit, scope, dimension, procedure, type, start)."""
    from agencies.models import Unit

    today = today or timezone.localdate()
    units = list(Unit.objects.all())
    ancestors = _ancestors_by_unit(units, today)
    include_link = settings.INCLUDE_OPEN_LINK_IN_SCORES
    # key -> list of per-response [x, y_sipas, y_766, dissatisfied, sum of values]
    clusters: dict[tuple, list[list[int]]] = defaultdict(list)
    answers = defaultdict(list)
    for a in Answer.objects.filter(kind="rating", value__isnull=False).select_related("question"):
        answers[a.response_id].append((a.question.dimension_id, a.value))
    for response in Response.objects.all():
        if response.excluded or (response.channel == "link" and not include_link):
            continue
        rated = answers.get(response.pk, [])
        if not rated:
            continue
        day = timezone.localtime(response.submitted_at).date()
        groups = {None: [v for _, v in rated]}
        for dim, value in rated:
            if dim is not None:
                groups.setdefault(dim, []).append(value)
        for dim, values in groups.items():
            cluster = [
                len(values),
                sum(v >= 4 for v in values),
                sum(v >= 3 for v in values),
                sum(v <= 2 for v in values),
                sum(values),
            ]
            for period_type, start in _starts(day).items():
                if period_type == "day" and dim is not None:
                    continue  # day figures are overall only
                for scope, owners in (("own", {response.unit_id}), ("subtree", ancestors[response.unit_id])):
                    for owner in owners:
                        clusters[(owner, scope, dim, None, period_type, start)].append(cluster)
                        if period_type == "month" and dim is None and response.procedure_id:
                            clusters[(owner, scope, None, response.procedure_id, "month", start)].append(cluster)
    expected = {}
    for key, rows in clusters.items():
        sipas = _estimate([(c[0], c[1]) for c in rows])
        d766 = _estimate([(c[0], c[2]) for c in rows])
        expected[key] = {
            "responses": len(rows),
            "answers": sum(c[0] for c in rows),
            "satisfied": sum(c[1] for c in rows),
            "not_dissatisfied": sum(c[2] for c in rows),
            "dissatisfied": sum(c[3] for c in rows),
            "mean": sum(c[4] for c in rows) / sum(c[0] for c in rows),
            "index_sipas": sipas[0],
            "ci_low_sipas": sipas[1],
            "ci_high_sipas": sipas[2],
            "_var_sipas": sipas[3],
            "n_eff_sipas": sipas[4],
            "index_766": d766[0],
            "ci_low_766": d766[1],
            "ci_high_766": d766[2],
            "_var_766": d766[3],
            "n_eff_766": d766[4],
            "enough_responses": len(rows) >= settings.MIN_RESPONSES_FOR_RANKING,
        }
    for key, row in expected.items():
        unit, scope, dim, proc, period_type, start = key
        before = expected.get((unit, scope, dim, proc, period_type, _previous(start, period_type)))
        for method in ("sipas", "766"):
            minimum = settings.MIN_RESPONSES_FOR_RANKING
            if before is None or row["responses"] < minimum or before["responses"] < minimum:
                # Only two trustworthy periods are compared.
                row[f"change_{method}"], row[f"change_{method}_significant"] = None, False
                continue
            change = row[f"index_{method}"] - before[f"index_{method}"]
            v1, v0 = row[f"_var_{method}"], before[f"_var_{method}"]
            significant = (
                v1 is not None and v0 is not None and v1 + v0 > 0 and abs(change / 100) / math.sqrt(v1 + v0) > Z
            )
            row[f"change_{method}"], row[f"change_{method}_significant"] = change, significant
    return expected


def stored_scores() -> dict[tuple, dict]:
    """The rows as every reader gets them (Score.objects.in_scope), for both scopes: a unit
    without sub-units answers `subtree` with its own rows."""
    found: dict[tuple, dict] = {}
    for scope in ("own", "subtree"):
        for r in Score.objects.in_scope(scope).values(
            "unit_id", "dimension_id", "procedure_id", "period_type", "period_start", *FIGURES
        ):
            key = (
                r.pop("unit_id"),
                scope,
                r.pop("dimension_id"),
                r.pop("procedure_id"),
                r.pop("period_type"),
                r.pop("period_start"),
            )
            assert key not in found, f"two rows for {key}"
            found[key] = r
    return found


def assert_matches_reference(today: date | None = None) -> None:
    expected = reference_scores(today)
    stored = stored_scores()
    assert set(stored) == set(expected), (
        f"missing {sorted(set(expected) - set(stored), key=str)[:5]}, "
        f"unexpected {sorted(set(stored) - set(expected), key=str)[:5]}"
    )
    for key, want in expected.items():
        got = stored[key]
        for field in FIGURES:
            if want[field] is None or isinstance(want[field], bool | int):
                assert got[field] == want[field], (key, field, got[field], want[field])
            else:
                assert got[field] == pytest.approx(want[field], rel=1e-9, abs=1e-9), (key, field)


# --------------------------------------------------------------------------- data


def local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0), timezone.get_default_timezone())


def random_responses(city, version, rng: random.Random, count: int, procedures, first: date, days: int):
    """Responses over the city's units, days and channels, with N/A gaps and an odd exclusion."""
    units = [city.ward_a, city.ward_b, city.centre_a, city.department]
    rated = version.questions.filter(kind="rating").count()
    made = []
    for _ in range(count):
        day = first + timedelta(days=rng.randrange(days))
        ratings = [rng.choice([None, 1, 2, 3, 4, 4, 5, 5]) for _ in range(rng.randint(1, rated))]
        made.append(
            make_response(
                version,
                rng.choice(units),
                ratings,
                channel=rng.choice(["kiosk", "kiosk", "link"]),
                submitted_at=local(day, rng.choice([0, 6, 12, 23])),
                procedure=rng.choice(procedures),
            )
        )
    return made


# --------------------------------------------------------------------------- tests


@pytest.mark.anydb
@pytest.mark.django_db
def test_full_rollup_equals_the_reference_computed_from_raw_answers(city):
    from agencies.tests.factories import make_procedure

    version = make_standard_survey(city.root)
    procedures = [make_procedure(), make_procedure(), None]
    rng = random.Random(5)
    made = random_responses(city, version, rng, 70, procedures, date(2025, 2, 20), 80)
    for response in made[:6]:
        Response.objects.filter(pk=response.pk).update(excluded=True, excluded_reason="spam")

    run = rollup.rollup_run(mode="full")

    assert run.status == "succeeded"
    assert_matches_reference()
    # Sanity of the reference itself: some figures have enough answers, some changes exist.
    assert (
        Score.objects.in_scope("subtree")
        .filter(unit=city.root, period_type="year", dimension=None, procedure=None)
        .get()
        .responses
        >= 30
    )


@pytest.mark.anydb
@pytest.mark.django_db
def test_local_day_boundaries_follow_ho_chi_minh_time(city):
    version = make_standard_survey(city.root)
    # 23:30 on 31 March in Hanoi is 16:30 UTC: it belongs to March and to the first quarter.
    make_response(version, city.ward_a, [5, 5], submitted_at=local(date(2025, 3, 31), 23) + timedelta(minutes=30))
    # 00:30 on 1 April in Hanoi is still 31 March in UTC.
    make_response(version, city.ward_a, [1, 1], submitted_at=local(date(2025, 4, 1), 0) + timedelta(minutes=30))

    rollup.rollup_run(mode="full")

    own = Score.objects.in_scope("own").filter(unit=city.ward_a, dimension=None, procedure=None)
    assert own.get(period_type="day", period_start=date(2025, 3, 31)).index_sipas == 100.0
    assert own.get(period_type="day", period_start=date(2025, 4, 1)).index_sipas == 0.0
    assert own.get(period_type="quarter", period_start=date(2025, 1, 1)).responses == 1
    assert own.get(period_type="quarter", period_start=date(2025, 4, 1)).responses == 1
    assert_matches_reference()
