"""The rollup: answers become Score rows — in the database, incrementally, idempotently.

Rules this module protects (DESIGN.md, Scoring method; issue 5):
- Heavy lifting is SQL GROUP BY. Answers are never loaded into Python: the database builds the
  additive per-day sums (DaySum) straight from the answers, and every Score is a GROUP BY over
  DaySum or over finer Score rows (months → quarters → years, own → subtree through the
  UnitClosure table). pandas/numpy only finish the aggregated rows (index, interval, change).
- Excluded responses count nowhere; open-link answers count only with
  settings.INCLUDE_OPEN_LINK_IN_SCORES; "not applicable" (NULL) ratings count nowhere; a rated
  answer to a question without a dimension counts in the overall figure only (and is logged).
- Incremental runs recompute only the (unit, day) keys of responses whose `changed_at` moved
  since the last successful run's watermark (minus a safety overlap for transactions that
  commit late), then every period and subtree those days feed. Recomputing a key always starts
  from the raw answers of that key, so running twice changes nothing and an incremental history
  equals a full recompute exactly.
- One rollup at a time (PostgreSQL advisory lock; a file lock on SQLite). Work happens in
  transactions per batch: a run that dies leaves consistent scores, is marked failed (by itself
  or by the next run), and the next run starts again from the last successful watermark.
- Reorganisation: a unit merged in full (UnitSuccession kind "full") keeps its own history, and
  from the merge date on (once `effective_on` has come) its whole history also counts in the
  successor's subtree and above. A partial succession moves nothing.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Unit, UnitSuccession
from surveys.models import Dimension

from . import scoring
from .models import CalendarDay, RollupRun, UnitClosure

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 5_171_880_005  # any constant; "the rollup" for pg_advisory_lock
SUMS = scoring.SUM_COLUMNS
SUM_SQL = ", ".join(f"SUM(src.{c})" for c in SUMS)
# Largest number of aggregated rows held in memory at once during a full recompute.
FRAME_ROWS = 200_000
SCORE_COLUMNS = (
    "unit_id", "scope", "dimension_id", "procedure_id", "period_type", "period_start", *SUMS,
    "mean", "index_sipas", "ci_low_sipas", "ci_high_sipas", "index_766", "ci_low_766", "ci_high_766",
    "enough_responses", "change_sipas", "change_sipas_significant", "change_766", "change_766_significant",
    "computed_at",
)
LEVELS = [("own", t) for t in scoring.PERIOD_TYPES] + [("subtree", t) for t in scoring.PERIOD_TYPES]
_memory_lock = threading.Lock()


class RollupBusy(Exception):
    """Another rollup holds the lock."""


class RollupWindowError(ValueError):
    """The requested window is empty or inverted."""


# --------------------------------------------------------------------------- public entry points


def rollup_run(
    *,
    mode: str = RollupRun.Mode.INCREMENTAL,
    since: date | None = None,
    until: date | None = None,
    lock_wait: float | None = None,
) -> RollupRun:
    """Run the rollup now and return its RollupRun record.

    `incremental`: the keys touched since the last successful watermark (a full recompute when
    there is none yet, or when the unit tree or a succession changed). `full`: everything from
    the answers. `window`: every unit for the local days since..until (both included).
    Raises RollupBusy when another run holds the lock longer than `lock_wait` seconds.
    """
    if mode == RollupRun.Mode.WINDOW:
        if since is None and until is None:
            raise RollupWindowError("a window needs --since or --until")
        if since and until and since > until:
            raise RollupWindowError(f"the window is inverted: {since} is after {until}")
    if lock_wait is None:
        lock_wait = 600.0 if mode == RollupRun.Mode.FULL else 30.0
    with _rollup_lock(lock_wait):
        return _run_locked(mode=mode, since=since, until=until)


def _run_locked(*, mode: str, since: date | None, until: date | None) -> RollupRun:
    started = time.monotonic()
    # We hold the lock: a run still marked "running" died without finishing.
    RollupRun.objects.filter(status=RollupRun.Status.RUNNING).update(
        status=RollupRun.Status.FAILED, finished_at=timezone.now(), error="interrupted (found running by a later run)"
    )
    watermark = timezone.now()
    run = RollupRun.objects.create(mode=mode, status=RollupRun.Status.RUNNING)
    stats = {"responses": 0, "keys": 0, "written": 0}
    try:
        closure_changed = _sync_closure()
        last = (
            RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED, watermark__isnull=False)
            .order_by("-watermark")
            .values_list("watermark", flat=True)
            .first()
        )
        if mode == RollupRun.Mode.INCREMENTAL and (last is None or closure_changed):
            mode = run.mode = RollupRun.Mode.FULL
        if mode == RollupRun.Mode.FULL:
            _full(stats)
            run.watermark = watermark
        elif mode == RollupRun.Mode.WINDOW:
            tz = _tz()
            run.since = datetime.combine(since, datetime.min.time(), tz) if since else None
            run.until = datetime.combine(until + timedelta(days=1), datetime.min.time(), tz) if until else None
            _window(since, until, stats)
            if closure_changed:
                _recompute_scores(None, None, stats)
        else:
            overlap = timedelta(seconds=getattr(settings, "ROLLUP_WATERMARK_OVERLAP_SECONDS", 600))
            run.since = last - overlap
            _incremental(run.since, stats)
            run.watermark = watermark
    except Exception as exc:
        run.status = RollupRun.Status.FAILED
        run.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.responses_seen, run.keys_recomputed, run.scores_written = (
            stats["responses"], stats["keys"], stats["written"]
        )
        run.save()
        logger.exception("rollup %s failed", run.mode)
        raise
    run.status = RollupRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.responses_seen, run.keys_recomputed, run.scores_written = stats["responses"], stats["keys"], stats["written"]
    run.save()
    logger.info("rollup %s: %s responses, %s keys, %s scores in %.2fs", run.mode, stats["responses"],
                stats["keys"], stats["written"], time.monotonic() - started)
    return run


# --------------------------------------------------------------------------- locking


@contextlib.contextmanager
def _rollup_lock(wait: float) -> Iterator[None]:
    """One rollup at a time per database, whatever process runs it."""
    deadline = time.monotonic() + wait
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise RollupBusy("another rollup is running")
                time.sleep(0.2)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    name = str(connection.settings_dict["NAME"])
    if "memory" in name:
        # An in-memory database lives in this process only.
        if not _memory_lock.acquire(timeout=max(wait, 0.01)):
            raise RollupBusy("another rollup is running")
        try:
            yield
        finally:
            _memory_lock.release()
        return
    digest = hashlib.sha1(name.encode()).hexdigest()[:12]
    path = settings.VAR_DIR / f"rollup-{digest}.lock"
    with open(path, "w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RollupBusy("another rollup is running") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- SQL helpers


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_sql(column: str) -> str:
    """SQL for the local calendar date of a timestamp column."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"
    # SQLite stores UTC text. Vietnam has kept UTC+7 without daylight saving since 1975, so a
    # fixed offset is exact for every date this product will see.
    minutes = int(timezone.now().astimezone(_tz()).utcoffset().total_seconds() // 60)
    return f"date({column}, '{minutes:+d} minutes')"


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _date_sql(value: date) -> str:
    return "'" + value.isoformat() + "'"


def _ids_sql(ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


def _channel_sql() -> str:
    return "" if settings.INCLUDE_OPEN_LINK_IN_SCORES else "AND r.channel <> 'link'"


def base_select_sql(response_filter: str = "") -> str:
    """SELECT of the DaySum rows (unit, day, procedure, dimension, sums) from raw answers.

    Per response and dimension first (x, y of the cluster), then per response overall, then the
    additive sums per (unit, day, procedure, dimension). Also the benchmark's "floor".
    """
    day = _day_sql("r.submitted_at")
    rated = (
        "COUNT(*) AS x, SUM(CASE WHEN a.value >= 4 THEN 1 ELSE 0 END) AS ys, "
        "SUM(CASE WHEN a.value >= 3 THEN 1 ELSE 0 END) AS yn, "
        "SUM(CASE WHEN a.value <= 2 THEN 1 ELSE 0 END) AS dis, SUM(a.value) AS sv"
    )
    where = (
        "a.kind = 'rating' AND a.value IS NOT NULL AND r.excluded = FALSE "
        f"{_channel_sql()} {response_filter}"
    )
    joins = (
        "FROM surveys_answer a JOIN surveys_question q ON q.id = a.question_id "
        "JOIN surveys_response r ON r.id = a.response_id"
    )
    outer = (
        "SELECT p.unit_id, p.day, p.proc, p.dim, COUNT(*) AS responses, SUM(p.x) AS answers, SUM(p.ys) AS satisfied, "
        "SUM(p.yn) AS not_dissatisfied, SUM(p.dis) AS dissatisfied, SUM(p.sv) AS sum_values, "
        "SUM(p.x * p.x) AS sum_x2, SUM(p.ys * p.ys) AS sum_y2_sipas, SUM(p.x * p.ys) AS sum_xy_sipas, "
        "SUM(p.yn * p.yn) AS sum_y2_766, SUM(p.x * p.yn) AS sum_xy_766 "
        "FROM p GROUP BY p.unit_id, p.day, p.proc, p.dim"
    )
    if connection.vendor == "postgresql":
        # One pass over the answers: GROUPING SETS give the per-dimension and the overall rows.
        return (
            "WITH p AS (SELECT r.unit_id, " + day + " AS day, COALESCE(r.procedure_id, 0) AS proc, "
            "CASE WHEN GROUPING(q.dimension_id) = 1 THEN 0 ELSE COALESCE(q.dimension_id, -1) END AS dim, "
            + rated + " " + joins + " WHERE " + where + " GROUP BY GROUPING SETS "
            "((a.response_id, r.unit_id, r.submitted_at, r.procedure_id, q.dimension_id), "
            "(a.response_id, r.unit_id, r.submitted_at, r.procedure_id))) " + outer
        )
    # SQLite sorts a GROUP BY (response, dimension) in a temporary B-tree, three times slower than
    # the rest of the statement. Grouped by response alone it streams in index order, so the
    # per-dimension sums are pivoted into columns (one set per dimension) and unpivoted after.
    dims = [*Dimension.objects.order_by("pk").values_list("pk", flat=True), -1]

    def when(dim: int, test: str) -> str:
        match = f"q.dimension_id = {dim}" if dim > 0 else "q.dimension_id IS NULL"
        return f"SUM(CASE WHEN {match}{test} THEN 1 ELSE 0 END)"

    pivot = ", ".join(
        f"{when(d, '')} AS x{i}, {when(d, ' AND a.value >= 4')} AS ys{i}, {when(d, ' AND a.value >= 3')} AS yn{i}, "
        f"{when(d, ' AND a.value <= 2')} AS dis{i}, "
        f"SUM(CASE WHEN {'q.dimension_id = ' + str(d) if d > 0 else 'q.dimension_id IS NULL'} THEN a.value ELSE 0 END)"
        f" AS sv{i}"
        for i, d in enumerate(dims)
    )
    unpivot = " ".join(
        f"UNION ALL SELECT unit_id, day, proc, {d}, x{i}, ys{i}, yn{i}, dis{i}, sv{i} FROM rr WHERE x{i} > 0"
        for i, d in enumerate(dims)
    )
    return (
        "WITH rr AS (SELECT a.response_id AS rid, r.unit_id AS unit_id, " + day + " AS day, "
        "COALESCE(r.procedure_id, 0) AS proc, " + rated + ", " + pivot + " "
        + joins + " WHERE " + where + " GROUP BY a.response_id), "
        "p AS (SELECT unit_id, day, proc, 0 AS dim, x, ys, yn, dis, sv FROM rr " + unpivot + ") "
        + outer
    )


DAYSUM_INSERT = (
    "INSERT INTO reports_daysum (unit_id, day, procedure_key, dimension_key, " + ", ".join(SUMS) + ") "
)


# --------------------------------------------------------------------------- closure and calendar


def desired_closure(today: date | None = None) -> set[tuple[int, int]]:
    """(ancestor, descendant) pairs from the unit tree and the full successions in force."""
    today = today or timezone.localdate()
    paths = {pk: [int(x) for x in path.strip("/").split("/") if x] for pk, path in Unit.objects.values_list("id", "path")}
    merged_into = dict(
        UnitSuccession.objects.filter(kind=UnitSuccession.Kind.FULL, effective_on__lte=today).values_list(
            "predecessor_id", "successor_id"
        )
    )
    memo: dict[int, frozenset[int]] = {}

    def ancestors(unit_id: int, seen: frozenset[int]) -> frozenset[int]:
        if unit_id in memo:
            return memo[unit_id]
        result = set(paths.get(unit_id, [unit_id])) | {unit_id}
        for member in list(result):
            successor = merged_into.get(member)
            if successor is not None and successor not in seen:
                result |= ancestors(successor, seen | {successor})
        memo[unit_id] = frozenset(result)
        return memo[unit_id]

    return {(a, u) for u in paths for a in ancestors(u, frozenset({u}))}


def _sync_closure() -> bool:
    """Bring UnitClosure up to date; True when it changed (subtree scores must be rebuilt)."""
    wanted = desired_closure()
    stored = set(UnitClosure.objects.values_list("ancestor_id", "descendant_id"))
    if wanted == stored:
        return False
    with transaction.atomic():
        UnitClosure.objects.all().delete()
        UnitClosure.objects.bulk_create(
            (UnitClosure(ancestor_id=a, descendant_id=d) for a, d in sorted(wanted)), batch_size=5000
        )
    logger.info("rollup: unit closure changed (%s pairs)", len(wanted))
    return True


def _ensure_calendar(first: date, last: date) -> None:
    """CalendarDay rows for every day of the years from `first` to `last`."""
    lo, hi = date(first.year, 1, 1), date(last.year, 12, 31)
    have = CalendarDay.objects.filter(day__gte=lo, day__lte=hi, period_type="day").count()
    if have == (hi - lo).days + 1:
        return
    existing = set(CalendarDay.objects.filter(day__gte=lo, day__lte=hi).values_list("day", "period_type"))
    rows, day = [], lo
    while day <= hi:
        for kind in scoring.PERIOD_TYPES:
            if (day, kind) not in existing:
                rows.append(CalendarDay(day=day, period_type=kind, period_start=scoring.period_start(day, kind)))
        day += timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=5000)


def _daysum_range() -> tuple[date, date] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(day), MAX(day) FROM reports_daysum")
        lo, hi = cursor.fetchone()
    return (_as_date(lo), _as_date(hi)) if lo is not None else None


# --------------------------------------------------------------------------- modes


@transaction.atomic
def _full(stats: dict) -> None:
    """Everything from the raw answers, in one transaction: all or nothing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # Only the rollup reads DaySum (and it holds the lock): TRUNCATE is safe and rolls back.
            cursor.execute("TRUNCATE reports_daysum")
        else:
            cursor.execute("DELETE FROM reports_daysum")
        cursor.execute(DAYSUM_INSERT + base_select_sql())
        cursor.execute("SELECT COUNT(*) FROM surveys_response r WHERE r.excluded = FALSE " + _channel_sql())
        stats["responses"] = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM reports_daysum")
        stats["keys"] = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE reports_daysum")
        cursor.execute("DELETE FROM reports_score")
    _log_dimensionless(None)
    span = _daysum_range()
    if span:
        _ensure_calendar(*span)
    _recompute_scores(None, None, stats)
    if connection.vendor == "postgresql":
        # Fresh statistics after replacing every row, or the next incremental runs get seq scans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_score")
            cursor.execute("ANALYZE reports_daysum")


def _incremental(changed_since: datetime, stats: dict) -> None:
    """The (unit, day) keys of responses changed since `changed_since`, and what they feed."""
    with connection.cursor() as cursor:
        cursor.execute(
            # "+ 0" keeps SQLite from walking the (unit, submitted_at) index for the GROUP BY
            # instead of the changed_at index for the WHERE: a full scan on every run.
            f"SELECT r.unit_id + 0, {_day_sql('r.submitted_at')}, COUNT(*) FROM surveys_response r "
            "WHERE r.changed_at > %s GROUP BY 1, 2",
            [connection.ops.adapt_datetimefield_value(changed_since)],
        )
        rows = cursor.fetchall()
    if not rows:
        return
    by_day: dict[date, set[int]] = defaultdict(set)
    for unit_id, day, count in rows:
        by_day[_as_date(day)].add(unit_id)
        stats["responses"] += count
    _rebuild_days(by_day, stats)
    units = {u for us in by_day.values() for u in us}
    _recompute_scores(units, set(by_day), stats)


def _window(since: date | None, until: date | None, stats: dict) -> None:
    """Every unit's days in the window (both ends included), and what they feed."""
    with connection.cursor() as cursor:
        day = _day_sql("r.submitted_at")
        cursor.execute(f"SELECT MIN({day}), MAX({day}) FROM surveys_response r")
        lo, hi = cursor.fetchone()
        cursor.execute("SELECT MIN(day), MAX(day) FROM reports_daysum")
        dlo, dhi = cursor.fetchone()
    known = [_as_date(v) for v in (lo, hi, dlo, dhi) if v is not None]
    if not known:
        return
    first = max(since, min(known)) if since else min(known)
    last = min(until, max(known)) if until else max(known)
    if first > last:
        return
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    _rebuild_days({d: None for d in days}, stats)
    _recompute_scores(None, set(days), stats)


def _rebuild_days(by_day: dict[date, set[int] | None], stats: dict, batch_days: int = 31) -> None:
    """Recompute DaySum for the given days (for the given units, or all units when None).

    One transaction per batch of days: a crash leaves every day either old or new, never half.
    """
    tz = _tz()
    days = sorted(by_day)
    for i in range(0, len(days), batch_days):
        with transaction.atomic(), connection.cursor() as cursor:
            for day in days[i:i + batch_days]:
                units = by_day[day]
                unit_filter = f"AND unit_id IN ({_ids_sql(units)})" if units is not None else ""
                cursor.execute(f"DELETE FROM reports_daysum WHERE day = %s {unit_filter}",
                               [connection.ops.adapt_datefield_value(day)])
                start = datetime.combine(day, datetime.min.time(), tz)
                end = start + timedelta(days=1)
                response_filter = (
                    f"AND r.submitted_at >= %s AND r.submitted_at < %s "
                    f"{'AND r.unit_id IN (' + _ids_sql(units) + ')' if units is not None else ''}"
                )
                cursor.execute(
                    DAYSUM_INSERT + base_select_sql(response_filter),
                    [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)],
                )
                stats["keys"] += len(units) if units is not None else 1
            _log_dimensionless(days[i:i + batch_days])
    if days:
        _ensure_calendar(days[0], days[-1])


def _log_dimensionless(days: list[date] | None) -> None:
    """Rated answers to questions without a dimension count in the overall figure only; say so."""
    sql = "SELECT COALESCE(SUM(answers), 0) FROM reports_daysum WHERE dimension_key = -1"
    if days is not None:
        sql += " AND day IN (" + ",".join(_date_sql(d) for d in days) + ")"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        count = cursor.fetchone()[0]
    if count:
        logger.warning("rollup: %s rated answers belong to questions without a dimension; "
                       "they count in the overall figures only", count)


# --------------------------------------------------------------------------- scores


def _periods_touched(days: set[date], period_type: str) -> set[date]:
    """Periods holding the days, and the periods after them (their change depends on these)."""
    starts = {scoring.period_start(d, period_type) for d in days}
    return starts | {scoring.next_period_start(s, period_type) for s in starts}


def _recompute_scores(units: set[int] | None, days: set[date] | None, stats: dict) -> None:
    """Rebuild Score rows level by level: own day/month from DaySum, quarter/year from finer own
    rows, subtree rows from own rows through the closure. None means "all" (full recompute)."""
    if units is None:
        unit_chunks = _chunks(sorted(Unit.objects.values_list("id", flat=True)), _units_per_chunk())
        ancestors = None
    else:
        unit_chunks = [sorted(units)]
        ancestors = sorted(
            set(UnitClosure.objects.filter(descendant_id__in=units).values_list("ancestor_id", flat=True)) | units
        )
    # One transaction for every level: dashboards never see a month that disagrees with its
    # quarter, and a run that fails here leaves the previous scores exactly as they were.
    with transaction.atomic():
        leaves = _leaves()
        for scope, period_type in LEVELS:
            starts = _periods_touched(days, period_type) if days is not None else None
            if scope == "own":
                for chunk in unit_chunks:
                    stats["written"] += _recompute_level(scope, period_type, chunk, starts)
                continue
            for chunk in unit_chunks if ancestors is None else [ancestors]:
                stats["written"] += _copy_leaves(period_type, [u for u in chunk if u in leaves], starts)
                stats["written"] += _recompute_level(scope, period_type, [u for u in chunk if u not in leaves], starts)


def _leaves() -> set[int]:
    """Units whose subtree holds only themselves: their subtree rows equal their own rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ancestor_id FROM reports_unitclosure GROUP BY ancestor_id HAVING COUNT(*) = 1")
        return {row[0] for row in cursor.fetchall()}


def _copy_leaves(period_type: str, units: list[int], starts: set[date] | None) -> int:
    """Subtree rows of leaf units, copied from their own rows inside the database."""
    if not units:
        return 0
    where = f"period_type = '{period_type}' AND unit_id IN ({_ids_sql(units)})"
    if starts is not None:
        where += " AND period_start IN (" + ",".join(_date_sql(s) for s in sorted(starts)) + ")"
    columns = ", ".join(SCORE_COLUMNS)
    copied = ", ".join("'subtree'" if c == "scope" else c for c in SCORE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM reports_score WHERE scope = 'subtree' AND {where}")
        cursor.execute(f"INSERT INTO reports_score ({columns}) SELECT {copied} FROM reports_score "
                       f"WHERE scope = 'own' AND {where}")
        return cursor.rowcount


def _units_per_chunk() -> int:
    span = _daysum_range()
    days = (span[1] - span[0]).days + 1 if span else 1
    return max(1, FRAME_ROWS // (days * 6))


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _level_sql(scope: str, period_type: str, units: list[int] | None, starts: set[date] | None) -> str:
    """SELECT unit, period_start, dimension key, procedure key, sums for one level."""
    def unit_filter(column: str) -> str:
        return f" AND {column} IN ({_ids_sql(units)})" if units is not None else ""

    def start_filter(column: str) -> str:
        return f" AND {column} IN ({','.join(_date_sql(s) for s in sorted(starts))})" if starts is not None else ""

    def day_range(column: str) -> str:
        if starts is None:
            return ""
        lo = min(starts)
        hi = scoring.next_period_start(max(starts), period_type)
        return f" AND {column} >= {_date_sql(lo)} AND {column} < {_date_sql(hi)}"

    if scope == "subtree":
        return (
            f"SELECT cl.ancestor_id, src.period_start, COALESCE(src.dimension_id, 0), COALESCE(src.procedure_id, 0), "
            f"{SUM_SQL} FROM reports_score src JOIN reports_unitclosure cl ON cl.descendant_id = src.unit_id "
            f"WHERE src.scope = 'own' AND src.period_type = '{period_type}'"
            f"{unit_filter('cl.ancestor_id')}{start_filter('src.period_start')} "
            "GROUP BY cl.ancestor_id, src.period_start, COALESCE(src.dimension_id, 0), COALESCE(src.procedure_id, 0)"
        )
    if period_type == "day":
        return (
            # Day figures are overall only: a unit rarely gets more than a few answers a day, so
            # per-dimension days would be noise and would outnumber the responses themselves.
            f"SELECT src.unit_id, src.day, src.dimension_key, 0, {SUM_SQL} FROM reports_daysum src "
            f"WHERE src.dimension_key = 0{unit_filter('src.unit_id')}{start_filter('src.day')} "
            "GROUP BY src.unit_id, src.day, src.dimension_key"
        )
    if period_type == "month":
        base = (
            "FROM reports_daysum src JOIN reports_calendarday c ON c.day = src.day AND c.period_type = 'month' "
            f"WHERE {{cond}}{unit_filter('src.unit_id')}{day_range('src.day')}{start_filter('c.period_start')} "
        )
        return (
            f"SELECT src.unit_id, c.period_start, src.dimension_key, 0, {SUM_SQL} "
            + base.format(cond="src.dimension_key >= 0")
            + "GROUP BY src.unit_id, c.period_start, src.dimension_key UNION ALL "
            f"SELECT src.unit_id, c.period_start, 0, src.procedure_key, {SUM_SQL} "
            + base.format(cond="src.dimension_key = 0 AND src.procedure_key > 0")
            + "GROUP BY src.unit_id, c.period_start, src.procedure_key"
        )
    finer = {"quarter": "month", "year": "quarter"}[period_type]
    return (
        f"SELECT src.unit_id, c.period_start, COALESCE(src.dimension_id, 0), 0, {SUM_SQL} "
        f"FROM reports_score src JOIN reports_calendarday c ON c.day = src.period_start "
        f"AND c.period_type = '{period_type}' WHERE src.scope = 'own' AND src.period_type = '{finer}' "
        f"AND src.procedure_id IS NULL{unit_filter('src.unit_id')}{day_range('src.period_start')}"
        f"{start_filter('c.period_start')} GROUP BY src.unit_id, c.period_start, COALESCE(src.dimension_id, 0)"
    )


def _recompute_level(scope: str, period_type: str, units: list[int] | None, starts: set[date] | None) -> int:
    """Replace the Score rows of one level for `units` × `starts` (None = all); rows written."""
    if units is not None and not units:
        return 0
    wanted = set(starts) if starts is not None else None
    with connection.cursor() as cursor:
        cursor.execute(_level_sql(scope, period_type, units, wanted))
        rows = cursor.fetchall()
        if wanted is not None:
            # The change is measured against the period before. Where that period is not being
            # recomputed, its stored row is current: read its sums instead of the raw days, so an
            # incremental run costs the same however long the history is.
            before = {scoring.previous_period_start(s, period_type) for s in wanted} - wanted
            if before:
                cursor.execute(
                    "SELECT unit_id, period_start, COALESCE(dimension_id, 0), COALESCE(procedure_id, 0), "
                    + ", ".join(SUMS) + f" FROM reports_score WHERE scope = '{scope}' "
                    f"AND period_type = '{period_type}'"
                    + (f" AND unit_id IN ({_ids_sql(units)})" if units is not None else "")
                    + " AND period_start IN (" + ",".join(_date_sql(s) for s in sorted(before)) + ")"
                )
                rows += cursor.fetchall()
        frame = _finish(rows, period_type, wanted)
        delete = f"DELETE FROM reports_score WHERE scope = '{scope}' AND period_type = '{period_type}'"
        if units is not None:
            delete += f" AND unit_id IN ({_ids_sql(units)})"
        if wanted is not None:
            delete += " AND period_start IN (" + ",".join(_date_sql(s) for s in sorted(wanted)) + ")"
        cursor.execute(delete)
        return _write_scores(cursor, frame, scope, period_type)


def _finish(rows: list[tuple], period_type: str, wanted: set[date] | None) -> pd.DataFrame:
    """The aggregated rows with every figure finished; only the periods in `wanted` (or all)."""
    frame = pd.DataFrame(rows, columns=["unit_id", "start", "dim", "proc", *SUMS])
    if frame.empty:
        return frame
    for column in SUMS:
        frame[column] = frame[column].astype("int64")
    frame["start"] = frame["start"].map(_as_date)
    figures = scoring.finish({c: frame[c].to_numpy() for c in SUMS}, settings.MIN_RESPONSES_FOR_RANKING)
    for name, values in figures.items():
        frame[name] = values
    previous = {s: scoring.previous_period_start(s, period_type) for s in frame["start"].unique()}
    frame["prev"] = frame["start"].map(previous)
    before = frame[["unit_id", "dim", "proc", "start", "index_sipas", "var_sipas", "index_766", "var_766"]].rename(
        columns={"start": "prev", "index_sipas": "p_index_sipas", "var_sipas": "p_var_sipas",
                 "index_766": "p_index_766", "var_766": "p_var_766"}
    )
    if wanted is not None:
        frame = frame[frame["start"].isin(wanted)]
    frame = frame.merge(before, on=["unit_id", "dim", "proc", "prev"], how="left")
    for method in ("sipas", "766"):
        change, significant = scoring.change_arrays(
            frame[f"index_{method}"], frame[f"var_{method}"], frame[f"p_index_{method}"], frame[f"p_var_{method}"]
        )
        frame[f"change_{method}"] = change
        frame[f"change_{method}_significant"] = significant
    return frame


def _write_scores(cursor, frame: pd.DataFrame, scope: str, period_type: str) -> int:
    if frame.empty:
        return 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    out = pd.DataFrame({
        "unit_id": frame["unit_id"].astype("int64"),
        "scope": scope,
        "dimension_id": frame["dim"].where(frame["dim"] > 0).astype("Int64"),
        "procedure_id": frame["proc"].where(frame["proc"] > 0).astype("Int64"),
        "period_type": period_type,
        "period_start": frame["start"].map(date.isoformat),
    })
    for column in SUMS:
        out[column] = frame[column].to_numpy()
    for column in ("mean", "index_sipas", "ci_low_sipas", "ci_high_sipas", "index_766", "ci_low_766",
                   "ci_high_766", "enough_responses", "change_sipas", "change_sipas_significant", "change_766",
                   "change_766_significant"):
        out[column] = frame[column].to_numpy()
    out["computed_at"] = now
    columns = ", ".join(SCORE_COLUMNS)
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        out["computed_at"] = now.isoformat()
        out.to_csv(buffer, index=False, header=False, na_rep="", quoting=csv.QUOTE_MINIMAL)
        buffer.seek(0)
        cursor.copy_expert(f"COPY reports_score ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    else:
        placeholders = ", ".join(["%s"] * len(SCORE_COLUMNS))
        cursor.executemany(f"INSERT INTO reports_score ({columns}) VALUES ({placeholders})",
                           zip(*(_sql_values(out[c]) for c in SCORE_COLUMNS), strict=True))
    return len(out)


def _sql_values(column: pd.Series) -> list:
    """Plain Python values for the driver: NaN and <NA> become None, numpy scalars Python ones."""
    if column.dtype == object:
        return column.tolist()
    if column.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in column.tolist()]
    if column.dtype.kind == "b":
        return [bool(v) for v in column.tolist()]
    if str(column.dtype) == "Int64":
        return [None if v is pd.NA else int(v) for v in column.tolist()]
    return column.tolist()
