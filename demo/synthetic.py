"""Data for the benchmarks, fast: cities of any size, responses by the million, scores by the table.

The public API `bench/` uses (it imports nothing else from the project's data and no test
factories):

- `make_world(units, questions)`: a city of `units` units (root → districts → communes), 20
  procedures and a published survey of `questions` rated questions over the five elements;
- `add_responses(world, count, ...)`: `count` responses with their answers, generated inside the
  database by one INSERT … SELECT each (generate_series on PostgreSQL, a recursive CTE on
  SQLite): a million in seconds, no Python loop;
- `age_changes()`: every recent change moved back one day, as if it had come a day earlier;
- `small_city()`, `add_recent_responses(...)`, `issue_receipts(...)`: the few-unit city of the load
  and submission runs, answers over the last months (so dashboards have scores), fresh receipts;
- `scored_city(units, months)`: a city with the Score rows a rollup would write (PostgreSQL, COPY),
  for timing the dashboards without running a rollup.

Rule protected here: generated rows are ordinary rows (the same tables, constraints and defaults
as a citizen's answer); nothing here is imported by the apps below.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from agencies.models import Membership, Procedure, Unit
from reports.models import Score
from reports.periods import MONTH, QUARTER, YEAR, period_start, recent
from surveys.codes import generate_code
from surveys.models import Answer, Question, Receipt, Response, Survey, SurveyVersion
from surveys.standard import create_standard_survey, ensure_dimensions

YEAR_START = "2025-01-01 00:00:00+07"

# --------------------------------------------------------------------------- a city of any size, a million responses


def national_units(path: Path) -> list[Unit]:
    """The 34 provinces and 3,321 communes in force since 1 July 2025 (codes and names from
    vn-admin-units-2025's merges.json), created as 34 trees: the province, its communes below.
    Returns the provinces. Provinces first, then every commune: the communes' ids form one range
    (add_responses picks a unit as the first id plus a random offset)."""
    data = json.loads(path.read_text())["data"]
    provinces = [
        Unit.objects.create(
            code=p["level1_id"], kind="city" if p["name"].startswith("Thành phố") else "province", name_vi=p["name"]
        )
        for p in data
    ]
    for province, p in zip(provinces, data, strict=True):
        for c in p["level2s"]:
            name = c["name"]
            kind = "ward" if name.startswith("Phường") else "special_zone" if name.startswith("Đặc khu") else "commune"
            Unit.objects.create(code=c["level2_id"], kind=kind, parent=province, name_vi=name)
    return provinces


def make_world(units: int, questions: int, *, national: Path | None = None) -> dict:
    """Units (root → districts → communes, or the country's provinces → communes with
    `national`), procedures and a survey of rated questions."""
    if national is not None:
        root = national_units(national)[0]
    else:
        root = Unit.objects.create(code="BENCH", kind="city", name_vi="Thành phố thử")
        districts = [
            Unit.objects.create(code=f"D{i:03d}", kind="district", parent=root, name_vi=f"Quận {i}")
            for i in range(max(1, units // 33))
        ]
        leaves = units - 1 - len(districts)
        for i in range(leaves):
            Unit.objects.create(
                code=f"C{i:05d}", kind="commune", parent=districts[i % len(districts)], name_vi=f"Xã {i}"
            )
    Procedure.objects.bulk_create(Procedure(code=f"B.{i:04d}", name_vi=f"Thủ tục {i}") for i in range(20))
    dims = list(ensure_dimensions().values())
    survey = Survey.objects.create(owner=root, slug="bench", is_standard=True)
    version = SurveyVersion.objects.create(survey=survey, number=1, status="published", title_vi="Khảo sát")
    Question.objects.bulk_create(
        Question(version=version, order=i, kind="rating", text_vi=f"Câu {i}", dimension=dims[i % len(dims)])
        for i in range(questions)
    )
    if national is not None:
        leaves_qs = Unit.objects.filter(parent__isnull=False)
    else:
        leaves_qs = Unit.objects.filter(code__startswith="C", parent__parent=root)
    return {
        "version": version.pk,
        "units": sorted(leaves_qs.values_list("id", flat=True)),
        "procedures": sorted(Procedure.objects.filter(code__startswith="B.").values_list("id", flat=True)),
    }


def add_responses(world: dict, count: int, *, days: float = 365.0, first_day: int = 0, changed_now: bool) -> None:
    """`count` responses over `days` days from 2025-01-01 + first_day, with their answers."""
    units, procs = world["units"], world["procedures"]
    # Ids were created in one go: a random id is the first one plus a random offset.
    assert units == list(range(units[0], units[0] + len(units))) and procs == list(range(procs[0], procs[0] + 20))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM surveys_response")
        last = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            series = f"generate_series(1, {count}) AS s(i)"
            rand = "random()"
            uuid_sql = "gen_random_uuid()"
            at = f"(TIMESTAMPTZ '{YEAR_START}' + make_interval(secs => ({first_day} + {rand} * {days}) * 86400))"
            pick = "floor(random() * {n})::int"
            prefix = ""
        else:
            series = "s"
            rand = "((random() / 18446744073709551616.0) + 0.5)"
            uuid_sql = "lower(hex(randomblob(16)))"
            at = (
                f"strftime('%Y-%m-%d %H:%M:%f', '2024-12-31 17:00:00', '+' || "
                f"CAST(({first_day} + {rand} * {days}) * 86400 AS INTEGER) || ' seconds')"
            )
            pick = "(abs(random()) % {n})"
            prefix = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count}) "
        unit_sql = f"{units[0]} + " + pick.format(n=len(units))
        proc_sql = f"{procs[0]} + " + pick.format(n=len(procs))
        changed = "CURRENT_TIMESTAMP" if changed_now else "x.at"
        if connection.vendor == "sqlite" and changed_now:
            changed = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        cursor.execute(
            prefix + "INSERT INTO surveys_response (version_id, unit_id, procedure_id, channel, language, "
            "submitted_at, idempotency_key, comment, client_hash, excluded, excluded_reason, changed_at) "
            f"SELECT {world['version']}, x.unit_id, x.proc, CASE WHEN x.r < 0.05 THEN 'link' ELSE 'kiosk' END, 'vi', "
            f"x.at, {uuid_sql}, '', '', x.r > 0.995, '', {changed} FROM (SELECT {unit_sql} AS unit_id, "
            f"{proc_sql} AS proc, {at} AS at, {rand} AS r FROM {series}) x"
        )
        # Values lean to 4–5 as in SIPAS surveys; each unit has its own level; 5% not applicable.
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, question_id, kind, value, text) "
            "SELECT y.rid, y.qid, 'rating', CASE WHEN y.u < 0.05 THEN NULL WHEN y.u < 0.09 + y.bad THEN 1 "
            "WHEN y.u < 0.15 + y.bad THEN 2 WHEN y.u < 0.28 + y.bad THEN 3 WHEN y.u < 0.62 THEN 4 ELSE 5 END, '' "
            f"FROM (SELECT r.id AS rid, q.id AS qid, {rand} AS u, (r.unit_id % 7) * 0.01 AS bad "
            f"FROM surveys_response r CROSS JOIN surveys_question q WHERE r.id > {last} "
            f"AND q.version_id = {world['version']}) y"
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE surveys_response")
            cursor.execute("ANALYZE surveys_answer")
            # The answers' trigger replaced the responses' empty sums rows: clear the dead ones.
            cursor.execute("VACUUM ANALYZE surveys_responsesum")


def age_changes() -> None:
    """Move every change time back one day, as if the responses had come a day earlier."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE surveys_response SET changed_at = changed_at - INTERVAL '1 day' "
                "WHERE changed_at > now() - INTERVAL '1 day'"
            )
        else:
            cursor.execute(
                "UPDATE surveys_response SET changed_at = strftime('%Y-%m-%d %H:%M:%f', changed_at, "
                "'-1 day') WHERE changed_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 day')"
            )


# --------------------------------------------------------------------------- a small city for the load runs


@dataclass
class SmallCity:
    root: Unit
    department: Unit
    ward_a: Unit
    ward_b: Unit
    centre_a: Unit
    version: SurveyVersion


def small_city() -> SmallCity:
    """Hanoi with a department and two wards (one with a one-stop shop), and the standard survey."""
    root = Unit.objects.create(code="01", kind=Unit.Kind.CITY, name_vi="Thành phố Hà Nội", name_en="Hanoi")
    department = Unit.objects.create(
        code="SO-TP", kind=Unit.Kind.DEPARTMENT, parent=root, name_vi="Sở Tư pháp", name_en="Department of Justice"
    )
    ward_a = Unit.objects.create(
        code="00004", kind=Unit.Kind.WARD, parent=root, name_vi="Phường Ba Đình", name_en="Ba Dinh Ward"
    )
    ward_b = Unit.objects.create(
        code="00008", kind=Unit.Kind.WARD, parent=root, name_vi="Phường Ngọc Hà", name_en="Ngoc Ha Ward"
    )
    centre_a = Unit.objects.create(
        code="00004-BPMC",
        kind=Unit.Kind.SERVICE_CENTRE,
        parent=ward_a,
        name_vi="Bộ phận Một cửa Phường Ba Đình",
        name_en="Ba Dinh One-stop Shop",
    )
    version = create_standard_survey(city=root)
    return SmallCity(root, department, ward_a, ward_b, centre_a, version)


def add_recent_responses(
    version: SurveyVersion, units: list[Unit], count: int, *, days: int = 120, seed: int = 7
) -> None:
    """`count` kiosk responses over the last `days` days, taking the units in turn, every rated
    question answered 3–5 (leaning to 4–5): enough for scores and trends on the dashboards."""
    rng = random.Random(seed)
    now = timezone.now()
    questions = list(version.questions.filter(kind="rating").order_by("order"))
    responses, ratings = [], []
    for i in range(count):
        when = now - timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 600))
        responses.append(
            Response(version=version, unit=units[i % len(units)], channel="kiosk", submitted_at=when, changed_at=when)
        )
        ratings.append([rng.choice((3, 4, 4, 5, 5)) for _ in questions])
    Response.objects.bulk_create(responses, batch_size=2000)
    Answer.objects.bulk_create(
        (
            Answer(response=response, question=q, kind="rating", value=value)
            for response, values in zip(responses, ratings, strict=True)
            for q, value in zip(questions, values, strict=True)
        ),
        batch_size=5000,
    )


def issue_receipts(unit: Unit, count: int) -> list[str]:
    """`count` fresh receipts of `unit` (valid 30 days), their codes in random order."""
    now = timezone.now()
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(generate_code())
    Receipt.objects.bulk_create(
        (Receipt(code=c, unit=unit, issued_at=now, expires_at=now + timedelta(days=30)) for c in codes),
        batch_size=5000,
    )
    codes_list = sorted(codes)
    random.shuffle(codes_list)
    return codes_list


def add_member(username: str, password: str, unit: Unit, role: str):
    """A signed-in person for the runs: a user with one membership."""
    user = get_user_model().objects.create_user(username=username, password=password)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


# --------------------------------------------------------------------------- scores without a rollup


def scored_city(units: int, months: int) -> dict:
    """The city and its scores; returns what the timed requests need."""
    rng = random.Random(2025)
    dims = list(ensure_dimensions().values())
    root = Unit.objects.create(code="01", kind="city", name_vi="Thành phố Hà Nội", name_en="Hanoi")
    districts = [
        Unit.objects.create(code=f"D{i:03d}", kind="district", parent=root, name_vi=f"Quận {i}") for i in range(30)
    ]
    leaves = []
    for i in range(units - 31):
        parent = districts[i % len(districts)]
        kind = "ward" if i % 3 else "commune"
        leaves.append(Unit(code=f"{10000 + i:05d}", kind=kind, parent=parent, name_vi=f"Phường {i}", path="", depth=2))
    created = Unit.objects.bulk_create(leaves)
    for unit in created:
        unit.path = f"{unit.parent.path}{unit.pk}/"
    Unit.objects.bulk_update(created, ["path"], batch_size=1000)
    procedures = [Procedure.objects.create(code=f"1.00{i:04d}", name_vi=f"Thủ tục {i}") for i in range(5)]
    all_units = [root, *districts, *created]

    month_starts = [p.start for p in reversed(recent(MONTH, date.today(), months))]
    quarters = sorted({period_start(m, QUARTER) for m in month_starts})
    years = sorted({period_start(m, YEAR) for m in month_starts})
    columns = [
        "unit_id",
        "scope",
        "dimension_id",
        "procedure_id",
        "period_type",
        "period_start",
        "responses",
        "answers",
        "satisfied",
        "not_dissatisfied",
        "dissatisfied",
        "sum_values",
        "sum_x2",
        "sum_y2_sipas",
        "sum_xy_sipas",
        "sum_y2_766",
        "sum_xy_766",
        "mean",
        "index_sipas",
        "ci_low_sipas",
        "ci_high_sipas",
        "index_766",
        "ci_low_766",
        "ci_high_766",
        "enough_responses",
        "change_sipas",
        "change_sipas_significant",
        "change_766",
        "change_766_significant",
        "computed_at",
    ]
    buffer = io.StringIO()
    rows = 0

    def row(unit_id, scope, dim, proc, period_type, start, base):
        nonlocal rows
        responses = max(0, int(rng.gauss(60 if period_type == "month" else 180, 25)))
        index = max(40.0, min(99.0, base + rng.gauss(0, 3)))
        i766 = min(100.0, index + 7)
        half = 3.0 + rng.random() * 3
        change = rng.gauss(0, 3)
        answers = responses * 16
        buffer.write(
            "\t".join(
                str(v)
                for v in (
                    unit_id,
                    scope,
                    dim or r"\N",
                    proc or r"\N",
                    period_type,
                    start.isoformat(),
                    responses,
                    answers,
                    int(answers * index / 100),
                    int(answers * i766 / 100),
                    int(answers * 0.05),
                    answers * 4,
                    answers * 16,
                    0,
                    0,
                    0,
                    0,
                    round(1 + 4 * index / 100, 3),
                    index,
                    index - half,
                    min(100, index + half),
                    i766,
                    i766 - half,
                    min(100, i766 + half),
                    "t" if responses >= 30 else "f",
                    change,
                    "t" if abs(change) > 4 else "f",
                    change,
                    "t" if abs(change) > 4 else "f",
                    "2025-01-01 00:00:00+00",
                )
            )
            + "\n"
        )
        rows += 1

    # As the rollup stores them: a unit without sub-units keeps one row set, scope "both".
    alone = {created_unit.pk for created_unit in created}
    for unit in all_units:
        base = 75 + rng.random() * 15
        for scope in ("both",) if unit.pk in alone else ("own", "subtree"):
            for period_type, starts in (("month", month_starts), ("quarter", quarters), ("year", years)):
                for start in starts:
                    row(unit.pk, scope, None, None, period_type, start, base)
                    for dim in dims:
                        row(unit.pk, scope, dim.pk, None, period_type, start, base)
        for start in month_starts:
            for proc in procedures:
                row(unit.pk, "both" if unit.pk in alone else "subtree", None, proc.pk, "month", start, base)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {Score._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer)
        cursor.execute(f"ANALYZE {Score._meta.db_table}")
        cursor.execute(f"ANALYZE {Unit._meta.db_table}")
    admin = get_user_model().objects.create_user("bench-admin", password="bench-password-123")
    Membership.objects.create(user=admin, unit=root, role="administrator")
    ward_unit = created[len(created) // 2]
    ward_staff = get_user_model().objects.create_user("bench-staff", password="bench-password-123")
    Membership.objects.create(user=ward_staff, unit=ward_unit, role="staff")
    return {
        "admin": admin,
        "staff": ward_staff,
        "root": root,
        "district": districts[0],
        "ward": ward_unit,
        "rows": rows,
        "units": len(all_units),
        "period": f"{month_starts[-2]:%Y-%m}",
    }
