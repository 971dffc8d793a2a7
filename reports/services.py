"""The rollup: answers become Score rows — in the database, incrementally, idempotently.

Rules this module protects (DESIGN.md, Scoring method; issue 5):
- Heavy lifting is SQL. Answers are never loaded into Python: the database builds the additive
  per-day sums (DaySum) straight from the answers, every Score row is written by an
  INSERT … SELECT over DaySum or over finer Score rows (months → quarters → years, own →
  subtree through the UnitClosure table), and its figures (index, interval, change and its
  test) are finished by SQL expressions that mirror `scoring` operation for operation.
- Excluded responses count nowhere; open-link answers count only with
  settings.INCLUDE_OPEN_LINK_IN_SCORES; "not applicable" (NULL) ratings count nowhere; a rated
  answer to a question without a dimension counts in the overall figure only (and is logged).
- Incremental runs recompute the DaySum rows of the (unit, day) keys of responses whose
  `changed_at` moved since the last successful run's watermark (minus a safety overlap for
  transactions that commit late), from the raw answers of those keys. The difference new − old
  of those rows is then added to the Score rows they feed (sums are additive), and the touched
  units' rows of those periods and of the following ones (whose change they alter) are finished
  again. A unit without sub-units keeps one row set, scope "both" (Score.objects.in_scope). The cost
  follows the changed keys, not the length of the history. Integer sums make the result equal
  a full recompute exactly, and running twice changes nothing.
- One rollup at a time (PostgreSQL advisory lock; a file lock on SQLite). Each run changes
  DaySum and Score in one transaction: a run that dies leaves the previous scores, is marked
  failed (by itself or by the next run), and the next run starts again from the last
  successful watermark.
- Reorganisation: a unit merged in full (UnitSuccession kind "full") keeps its own history, and
  from the merge date on (once `effective_on` has come) its whole history also counts in the
  successor's subtree and above. A partial succession moves nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import math
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Unit, UnitSuccession
from surveys.models import Dimension

from . import channels, periods, scoring
from .models import BOTH_SCOPES, CalendarDay, RollupDirtyKey, RollupRun, UnitClosure

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 5_171_880_005  # any constant; "the rollup" for pg_advisory_lock
SUMS = scoring.SUM_COLUMNS
SUM_SQL = ", ".join(f"SUM(src.{c})" for c in SUMS)
SCORE_COLUMNS = (
    "unit_id",
    "scope",
    "dimension_id",
    "procedure_id",
    "period_type",
    "period_start",
    *SUMS,
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
)
LEVELS = [("own", t) for t in periods.PERIOD_TYPES] + [("subtree", t) for t in periods.PERIOD_TYPES]
_memory_lock = threading.Lock()


class RollupBusy(Exception):
    """Another rollup holds the lock."""


class RollupWindowError(ValueError):
    """The requested window is empty or inverted."""


class RollupMethodChanged(ValueError):
    """A window run was asked for under other method settings than those of the stored scores."""


# Bumped whenever the rules that turn answers into figures change (not the settings, which are
# recorded on their own): 2 = Korn–Graubard intervals, change only between trustworthy periods.
METHOD_VERSION = "2"


def current_method() -> dict:
    """The settings that shape every stored figure, as each RollupRun records them."""
    return {
        "include_open_link": bool(settings.INCLUDE_OPEN_LINK_IN_SCORES),
        "min_responses": int(settings.MIN_RESPONSES_FOR_RANKING),
        "interval_method": scoring.interval_method(),
        "method_version": METHOD_VERSION,
    }


def stored_method() -> dict | None:
    """The method of the scores in the database: that of the last successful run (every run under
    other settings than its predecessor's is a full one, so all rows share it). None before any."""
    run = RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED).order_by("-started_at", "-pk").first()
    if run is None:
        return None
    return {key: getattr(run, key) for key in current_method()}


def method_differences(stored: dict | None, wanted: dict) -> list[str]:
    """What changed between two methods, one 'name: old → new' a setting."""
    if stored is None:
        return []
    return [f"{key}: {stored[key]} → {wanted[key]}" for key in wanted if stored.get(key) != wanted[key]]


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
    method = current_method()
    changed = method_differences(stored_method(), method)
    if changed and mode == RollupRun.Mode.WINDOW:
        raise RollupMethodChanged(
            "the method settings changed since the stored scores were computed ("
            + "; ".join(changed)
            + "): run `rollup --full`"
        )
    run = RollupRun.objects.create(mode=mode, status=RollupRun.Status.RUNNING, **method)
    if changed and mode == RollupRun.Mode.INCREMENTAL:
        logger.warning("rollup: method settings changed (%s); recomputing everything", "; ".join(changed))
        mode = run.mode = RollupRun.Mode.FULL
    stats = {"responses": 0, "keys": 0, "written": 0}
    try:
        with transaction.atomic():
            # One transaction with the recompute a closure change forces: a failed run leaves the
            # closure and the scores as they were, so which units keep a single "both" row set
            # and which have subtree rows always matches the closure of record.
            _run_mode(run, mode, since, until, watermark, stats)
    except Exception as exc:
        run.status = RollupRun.Status.FAILED
        run.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.responses_seen, run.keys_recomputed, run.scores_written = (
            stats["responses"],
            stats["keys"],
            stats["written"],
        )
        run.save()
        logger.exception("rollup %s failed", run.mode)
        raise
    run.status = RollupRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.responses_seen, run.keys_recomputed, run.scores_written = stats["responses"], stats["keys"], stats["written"]
    run.save()
    logger.info(
        "rollup %s: %s responses, %s keys, %s scores in %.2fs",
        run.mode,
        stats["responses"],
        stats["keys"],
        stats["written"],
        time.monotonic() - started,
    )
    return run


def _run_mode(
    run: RollupRun, mode: str, since: date | None, until: date | None, watermark: datetime, stats: dict
) -> None:
    """The run's work (inside its transaction): the closure first, then the mode's recompute."""
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
        dirty = list(RollupDirtyKey.objects.values_list("pk", flat=True))
        _full(stats)
        _consume_dirty(dirty)
        run.watermark = watermark
    elif mode == RollupRun.Mode.WINDOW:
        tz = _tz()
        run.since = datetime.combine(since, datetime.min.time(), tz) if since else None
        run.until = datetime.combine(until + timedelta(days=1), datetime.min.time(), tz) if until else None
        _window(since, until, stats)
        if closure_changed:
            _all_scores(stats)
    else:
        overlap = timedelta(seconds=getattr(settings, "ROLLUP_WATERMARK_OVERLAP_SECONDS", 600))
        run.since = last - overlap
        _incremental(run.since, stats)
        run.watermark = watermark


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
    """SELECT of the DaySum rows (unit, day, procedure_key, dimension_key, sums) from raw answers.

    Three steps in one statement, each a plain GROUP BY:
    1. per response: its rated answers counted per dimension and overall (one row a response,
       one set of columns a dimension: x, satisfied, not dissatisfied, dissatisfied, Σ values);
    2. per (unit, day): the additive sums of every dimension, the cross-products included
       (Σx², Σy², Σxy with the response as the cluster); per (unit, day, procedure): the overall ones;
    3. unpivoted into rows: (procedure 0, dimension d) and (procedure p, dimension 0).
    Also the benchmark's "floor". `response_filter` narrows the responses (SQL on alias r); it
    appears twice in the statement, so its parameters must be given twice.
    """
    vendor = connection.vendor
    day = _day_sql("r.submitted_at")
    dims = [0, *Dimension.objects.order_by("pk").values_list("pk", flat=True), -1]

    def count(condition: str) -> str:
        if not condition:
            return "CAST(COUNT(*) AS INTEGER)"
        return f"CAST(COUNT(*) FILTER (WHERE {condition}) AS INTEGER)"

    def per_response(i: int, dim: int) -> str:
        match = "" if dim == 0 else (f"q.dimension_id = {dim}" if dim > 0 else "q.dimension_id IS NULL")
        both = lambda extra: f"{match} AND {extra}" if match else extra
        total = "SUM(a.value)" if not match else f"SUM(a.value) FILTER (WHERE {match})"
        return (
            f"{count(match)} AS x{i}, {count(both('a.value >= 4'))} AS ys{i}, "
            f"{count(both('a.value >= 3'))} AS yn{i}, {count(both('a.value <= 2'))} AS dis{i}, "
            f"CAST(COALESCE({total}, 0) AS INTEGER) AS sv{i}"
        )

    def per_day(i: int) -> str:
        x, ys, yn = f"p.x{i}", f"p.ys{i}", f"p.yn{i}"
        return (
            f"{count(x + ' > 0')} AS n{i}, SUM({x}) AS x{i}, SUM({ys}) AS ys{i}, SUM({yn}) AS yn{i}, "
            f"SUM(p.dis{i}) AS dis{i}, SUM(p.sv{i}) AS sv{i}, SUM({x} * {x}) AS xx{i}, "
            f"SUM({ys} * {ys}) AS yys{i}, SUM({x} * {ys}) AS xys{i}, SUM({yn} * {yn}) AS yyn{i}, "
            f"SUM({x} * {yn}) AS xyn{i}"
        )

    def row(i: int, prefix: str = "d.") -> str:
        return ", ".join(
            f"{prefix}{c}{i}" for c in ("n", "x", "ys", "yn", "dis", "sv", "xx", "yys", "xys", "yyn", "xyn")
        )

    responses = f"SELECT r.id FROM surveys_response r WHERE r.excluded = FALSE {_channel_sql()} {response_filter}"
    # Both steps are read twice; SQLite 3.35+ and PostgreSQL 12+ compute them once when asked.
    materialized = "MATERIALIZED " if vendor == "postgresql" or sqlite3.sqlite_version_info >= (3, 35) else ""
    p = (
        f"p AS {materialized}(SELECT r.unit_id, {day} AS day, COALESCE(r.procedure_id, 0) AS proc, rr.* FROM ("
        f"SELECT a.response_id AS rid, {', '.join(per_response(i, d) for i, d in enumerate(dims))} "
        "FROM surveys_answer a JOIN surveys_question q ON q.id = a.question_id "
        f"WHERE a.kind = 'rating' AND a.value IS NOT NULL AND a.response_id IN ({responses}) "
        "GROUP BY a.response_id) rr JOIN surveys_response r ON r.id = rr.rid"
        # The filter again on the outer side, or the planner probes every response for a few.
        + (f" WHERE TRUE {response_filter})" if response_filter else ")")
    )
    d = (
        f"d AS {materialized}(SELECT p.unit_id, p.day, {', '.join(per_day(i) for i in range(len(dims)))} "
        "FROM p GROUP BY p.unit_id, p.day)"
    )
    if vendor == "postgresql":
        values = ", ".join(f"({dim}, {row(i)})" for i, dim in enumerate(dims))
        unpivot = (
            f"SELECT d.unit_id, d.day, 0 AS procedure_key, v.* FROM d CROSS JOIN LATERAL (VALUES {values}) "
            f"v(dimension_key, {', '.join(SUMS)}) WHERE v.responses > 0"
        )
    else:
        named = ", ".join(f"{column} AS {name}" for column, name in zip(row(0).split(", "), SUMS, strict=True))
        unpivot = f"SELECT d.unit_id, d.day, 0 AS procedure_key, 0 AS dimension_key, {named} FROM d WHERE d.n0 > 0"
        unpivot += "".join(
            f" UNION ALL SELECT d.unit_id, d.day, 0, {dim}, {row(i)} FROM d WHERE d.n{i} > 0"
            for i, dim in list(enumerate(dims))[1:]
        )
    procedures = (
        "SELECT p.unit_id, p.day, p.proc, 0, COUNT(*), SUM(p.x0), SUM(p.ys0), SUM(p.yn0), SUM(p.dis0), SUM(p.sv0), "
        "SUM(p.x0 * p.x0), SUM(p.ys0 * p.ys0), SUM(p.x0 * p.ys0), SUM(p.yn0 * p.yn0), SUM(p.x0 * p.yn0) "
        "FROM p WHERE p.proc > 0 GROUP BY p.unit_id, p.day, p.proc"
    )
    return f"WITH {p}, {d} {unpivot} UNION ALL {procedures}"


DAYSUM_INSERT = "INSERT INTO reports_daysum (unit_id, day, procedure_key, dimension_key, " + ", ".join(SUMS) + ") "


# --------------------------------------------------------------------------- closure and calendar


def desired_closure(today: date | None = None) -> set[tuple[int, int]]:
    """(ancestor, descendant) pairs from the unit tree and the full successions in force."""
    today = today or timezone.localdate()
    paths = {
        pk: [int(x) for x in path.strip("/").split("/") if x] for pk, path in Unit.objects.values_list("id", "path")
    }
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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reports_unitclosure")
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
        for kind in periods.PERIOD_TYPES:
            if (day, kind) not in existing:
                rows.append(CalendarDay(day=day, period_type=kind, period_start=periods.period_start(day, kind)))
        day += timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_calendarday")


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
            # Compiling the statements (JIT) costs about a second each and wins nothing back here.
            cursor.execute("SET LOCAL jit = off")
            # Only the rollup reads DaySum, and it holds the lock: a new table is built beside it and
            # takes its place. CREATE TABLE AS runs the base query in parallel (INSERT … SELECT
            # cannot), and the indexes are built once instead of maintained row by row.
            cursor.execute(f"DROP TABLE IF EXISTS {DAYSUM_NEXT}")
            columns = ", ".join(f"CAST(b.{c} AS BIGINT) AS {c}" for c in ("procedure_key", "dimension_key", *SUMS))
            cursor.execute(
                f"CREATE TABLE {DAYSUM_NEXT} AS SELECT CAST(row_number() OVER () AS BIGINT) AS id, "
                f"CAST(b.unit_id AS BIGINT) AS unit_id, b.day, {columns} FROM ({base_select_sql()}) b"
            )
            stats["keys"] = rows = cursor.rowcount
            not_null = ", ".join(
                f"ALTER COLUMN {c} SET NOT NULL" for c in ("unit_id", "day", "procedure_key", "dimension_key", *SUMS)
            )
            cursor.execute(
                f"ALTER TABLE {DAYSUM_NEXT} ALTER COLUMN id SET NOT NULL, {not_null}, ALTER COLUMN id "
                f"ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {rows + 1})"
            )
            _swap_in(cursor, DAYSUM_NEXT, "reports_daysum")
        else:
            cursor.execute("DELETE FROM reports_daysum")
            cursor.execute(DAYSUM_INSERT + base_select_sql())
            stats["keys"] = cursor.rowcount
        channels.rebuild_all(cursor, _day_sql("r.submitted_at"))
        cursor.execute("SELECT COUNT(*) FROM surveys_response r WHERE r.excluded = FALSE " + _channel_sql())
        stats["responses"] = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE reports_daysum")
    _log_dimensionless()
    span = _daysum_range()
    if span:
        _ensure_calendar(*span)
    _all_scores(stats)
    if connection.vendor == "postgresql":
        # Fresh statistics after replacing every row, or the next incremental runs get seq scans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_score")


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
        # Keys the database marked (deletions, and changes made outside the moderation services).
        cursor.execute(
            f"SELECT k.id, k.unit_id, {_day_sql('k.submitted_at')} FROM reports_rollupdirtykey k ORDER BY k.id"
        )
        dirty = cursor.fetchall()
    if not rows and not dirty:
        return
    by_day: dict[date, set[int]] = defaultdict(set)
    for unit_id, day, count in rows:
        by_day[_as_date(day)].add(unit_id)
        stats["responses"] += count
    for _pk, unit_id, day in dirty:
        by_day[_as_date(day)].add(unit_id)
    _apply_days([(day, day, units) for day, units in sorted(by_day.items())], stats)
    _consume_dirty([pk for pk, _unit, _day in dirty])


def _consume_dirty(ids: list[int]) -> None:
    """Delete the dirty keys this run has read (by id: keys marked meanwhile wait for the next run)."""
    for i in range(0, len(ids), 5000):
        RollupDirtyKey.objects.filter(pk__in=ids[i : i + 5000])._raw_delete(connection.alias)


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
    _apply_days([(first, last, None)], stats)


@transaction.atomic
def _apply_days(spans: list[tuple[date, date, set[int] | None]], stats: dict) -> None:
    """Recompute the DaySum rows of `spans` (first day, last day, units or None = all units) from
    the answers, and carry the difference up to every Score row those days feed.

    Sums are additive, so a month (quarter, year, subtree) changes by exactly new − old of its
    changed days: the cost follows the changed keys, not the length of the history. DaySum and
    Score change in one transaction, so the differences can never be applied twice or lost.
    """
    tz = _tz()
    sums = ", ".join(SUMS)
    negated = ", ".join(f"-{c}" for c in SUMS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Small statements: compiling them (JIT) would cost more than running them.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS rollup_delta (unit_id bigint, day date, procedure_key bigint, "
            "dimension_key bigint, " + ", ".join(f"{c} bigint" for c in SUMS) + ")"
        )
        cursor.execute("DELETE FROM rollup_delta")
        keys = f"unit_id, day, procedure_key, dimension_key, {sums}"
        for first, last, units in spans:
            where = "day >= %s AND day <= %s" + (f" AND unit_id IN ({_ids_sql(units)})" if units is not None else "")
            days = [connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)]
            cursor.execute(
                f"INSERT INTO rollup_delta SELECT unit_id, day, procedure_key, dimension_key, {negated} "
                f"FROM reports_daysum WHERE {where}",
                days,
            )
            cursor.execute(f"DELETE FROM reports_daysum WHERE {where}", days)
            start = datetime.combine(first, datetime.min.time(), tz)
            end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
            response_filter = "AND r.submitted_at >= %s AND r.submitted_at < %s" + (
                f" AND r.unit_id IN ({_ids_sql(units)})" if units is not None else ""
            )
            bounds = [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)]
            cursor.execute(DAYSUM_INSERT + base_select_sql(response_filter), bounds * 2)
            channels.rebuild_span(
                cursor, _day_sql("r.submitted_at"), first, last, _ids_sql(units) if units is not None else "", bounds
            )
            cursor.execute(f"INSERT INTO rollup_delta SELECT {keys} FROM reports_daysum WHERE {where}", days)
            stats["keys"] += (len(units) if units is not None else 1) * ((last - first).days + 1)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE rollup_delta")
    all_days = {first + timedelta(days=i) for first, last, _ in spans for i in range((last - first).days + 1)}
    _log_dimensionless("rollup_delta")
    _ensure_calendar(min(all_days), max(all_days))
    inner = _units(INNER_SQL)
    if any(units is None for _, _, units in spans):
        units = None
    else:
        units = {u for _, _, us in spans for u in us}
        ancestors = set(UnitClosure.objects.filter(descendant_id__in=units).values_list("ancestor_id", flat=True))
        inner &= ancestors | units
    for period_type in periods.PERIOD_TYPES:
        wanted = _periods_touched(all_days, period_type)
        stats["written"] += _recompute_level(
            "own", period_type, _day_source("rollup_delta", "own", period_type), units, wanted
        )
        # A unit whose subtree is only itself (most of them) keeps one row set (scope "both",
        # written by the own level): only the units above others have subtree rows.
        stats["written"] += _recompute_level(
            "subtree",
            period_type,
            _day_source("rollup_delta", "subtree", period_type, f" AND cl.ancestor_id IN ({_ids_sql(inner)})"),
            inner,
            wanted,
        )


def _units(sql: str) -> set[int]:
    """The unit ids a one-column query returns (INNER_SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[0] for row in cursor.fetchall()}


def _log_dimensionless(table: str = "reports_daysum") -> None:
    """Rated answers to questions without a dimension count in the overall figure only; say so.
    (`table` rollup_delta: the days just recomputed, whose new rows are the positive ones.)"""
    sql = f"SELECT COALESCE(SUM(answers), 0) FROM {table} WHERE dimension_key = -1 AND answers > 0"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        count = cursor.fetchone()[0]
    if count:
        logger.warning(
            "rollup: %s rated answers belong to questions without a dimension; they count in the overall figures only",
            count,
        )


# --------------------------------------------------------------------------- scores
#
# Every Score row is written by one INSERT … SELECT: the sums are grouped in the database and
# the figures (index, interval, change and its test) are finished by SQL expressions that
# mirror `scoring.ratio_estimate_arrays` and `scoring.change_arrays` operation for operation.
# Nothing passes through Python but the statements.

FIGURE_COLUMNS = (
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
)


def _periods_touched(days: set[date], period_type: str) -> set[date]:
    """Periods holding the days, and the periods after them (their change depends on these)."""
    starts = {periods.period_start(d, period_type) for d in days}
    return starts | {periods.next_period_start(s, period_type) for s in starts}


def _day_source(table: str, scope: str, period_type: str, ancestors_sql: str = "") -> str:
    """Rows (unit_id, period_start, dim, proc, sums) of one level from DaySum-shaped `table`.

    Day figures are overall only (a unit rarely gets more than a few answers a day, so
    per-dimension days would be noise); procedures get month figures, overall only.
    """
    unit = "cl.ancestor_id" if scope == "subtree" else "d.unit_id"
    closure = (
        f" JOIN reports_unitclosure cl ON cl.descendant_id = d.unit_id{ancestors_sql}" if scope == "subtree" else ""
    )
    sums = ", ".join(f"d.{c} AS {c}" for c in SUMS)
    if period_type == "day":
        return (
            f"SELECT {unit} AS unit_id, d.day AS period_start, 0 AS dim, 0 AS proc, {sums} FROM {table} d"
            f"{closure} WHERE d.procedure_key = 0 AND d.dimension_key = 0"
        )
    calendar = f" JOIN reports_calendarday c ON c.day = d.day AND c.period_type = '{period_type}'"
    sql = (
        f"SELECT {unit} AS unit_id, c.period_start AS period_start, d.dimension_key AS dim, 0 AS proc, {sums} "
        f"FROM {table} d{calendar}{closure} WHERE d.procedure_key = 0 AND d.dimension_key >= 0"
    )
    if period_type == "month":
        sql += (
            f" UNION ALL SELECT {unit}, c.period_start, 0, d.procedure_key, {sums} FROM {table} d{calendar}"
            f"{closure} WHERE d.procedure_key > 0"
        )
    return sql


def _score_source(scope: str, period_type: str, units_sql: str = "", *, table: str = "reports_score") -> str:
    """Rows of one level from the finer own Score rows: quarters from months, years from quarters,
    subtrees from own rows through the closure (restricted to ancestors in `units_sql`)."""
    sums = ", ".join(f"s.{c} AS {c}" for c in SUMS)
    if scope == "subtree":
        return (
            f"SELECT cl.ancestor_id AS unit_id, s.period_start AS period_start, COALESCE(s.dimension_id, 0) AS dim, "
            f"COALESCE(s.procedure_id, 0) AS proc, {sums} FROM {table} s JOIN reports_unitclosure cl "
            f"ON cl.descendant_id = s.unit_id WHERE s.scope IN {_stored('own')} AND s.period_type = '{period_type}'"
            f"{units_sql}"
        )
    finer = {"quarter": "month", "year": "quarter"}[period_type]
    return (
        f"SELECT s.unit_id AS unit_id, c.period_start AS period_start, COALESCE(s.dimension_id, 0) AS dim, "
        f"0 AS proc, {sums} FROM {table} s JOIN reports_calendarday c ON c.day = s.period_start "
        f"AND c.period_type = '{period_type}' WHERE s.scope IN {_stored('own')} AND s.period_type = '{finer}' "
        "AND s.procedure_id IS NULL"
    )


INNER_SQL = "SELECT ancestor_id FROM reports_unitclosure GROUP BY ancestor_id HAVING COUNT(*) > 1"
LONE_SQL = "SELECT ancestor_id FROM reports_unitclosure GROUP BY ancestor_id HAVING COUNT(*) = 1"


def _stored(scope: str) -> str:
    """SQL list of the stored scope values holding a level's rows: a unit whose subtree is only
    itself keeps one row set, scope BOTH_SCOPES (its own rows are its subtree rows)."""
    return f"('own', '{BOTH_SCOPES}')" if scope == "own" else "('subtree')"


def _written(scope: str) -> str:
    """SQL for the scope value a level writes (alias c): own rows of lone units are 'both'."""
    if scope == "own":
        return f"CASE WHEN c.unit_id IN ({LONE_SQL}) THEN '{BOTH_SCOPES}' ELSE 'own' END"
    return f"'{scope}'"


def _all_scores(stats: dict) -> None:
    """Every Score row from DaySum (full recompute), level by level, in one transaction.

    On PostgreSQL the rows go into a new table without indexes, the indexes are built once at the
    end, and the new table takes the old one's place at commit: maintaining the indexes row by row
    (and checking the unique key against the old rows, dead but not yet gone) cost more than
    computing the rows. Dashboards read the previous scores until the swap, which waits only for
    the queries running at that instant. On SQLite the rows are replaced in place.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = SCORE_NEXT
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (LIKE reports_score INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
            )
        else:
            table = "reports_score"
            # DELETE, not TRUNCATE: dashboards keep reading the previous scores until this commits.
            cursor.execute("DELETE FROM reports_score")
        inner = _units(INNER_SQL)
        for scope, period_type in LEVELS:
            if table == SCORE_NEXT and (scope, period_type) in (("own", "quarter"), ("subtree", "day")):
                # Quarters, years and subtrees read the rows just written: the planner must know them.
                cursor.execute(f"ANALYZE {table}")
            if scope == "subtree":
                # Only units above others: the others' own rows are stored as "both".
                source = _score_source(scope, period_type, f" AND cl.ancestor_id IN ({_ids_sql(inner)})", table=table)
            elif period_type in ("day", "month"):
                source = _day_source("reports_daysum", scope, period_type)
            else:
                source = _score_source(scope, period_type, table=table)
            stats["written"] += _recompute_level(scope, period_type, source, None, None, table=table)
        if table == SCORE_NEXT:
            _swap_in(cursor, table, "reports_score")


SCORE_NEXT = "reports_score_next"
DAYSUM_NEXT = "reports_daysum_next"


def _swap_in(cursor, new: str, old: str) -> None:
    """Give `new` the indexes, constraints and sequence name of `old`, then put it in its place
    (PostgreSQL; inside the caller's transaction, so readers see the old table until commit)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x')",
        [old],
    )
    constraints = cursor.fetchall()
    backed = {name for name, _definition in constraints}
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s", [old]
    )
    indexes = [(name, definition) for name, definition in cursor.fetchall() if name not in backed]
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    on_old = f" ON {_qualified(cursor, old)} "
    renames = []
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {new} ADD CONSTRAINT "{name}_next" {definition}')
        renames.append(f'ALTER TABLE {old} RENAME CONSTRAINT "{name}_next" TO "{name}"')
    for name, definition in indexes:
        head, _on, tail = definition.partition(on_old)
        if not tail:
            raise RuntimeError(f"cannot copy index {name}: {definition}")
        cursor.execute(head.replace(f"INDEX {name}", f'INDEX "{name}_next"', 1) + f" ON {new} " + tail)
        renames.append(f'ALTER INDEX "{name}_next" RENAME TO "{name}"')
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')", [old, new])
    old_sequence, new_sequence = cursor.fetchone()
    cursor.execute(f"DROP TABLE {old}")
    cursor.execute(f"ALTER TABLE {new} RENAME TO {old}")
    for statement in renames:
        cursor.execute(statement)
    if old_sequence and new_sequence:
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {old_sequence.rpartition('.')[2]}")


def _qualified(cursor, table: str) -> str:
    """How pg_indexes.indexdef names `table` (schema-qualified)."""
    cursor.execute("SELECT %s::regclass::text, current_schema()", [table])
    name, schema = cursor.fetchone()
    return name if "." in name else f"{schema}.{name}"


def _dbl(sql: str) -> str:
    return f"CAST({sql} AS DOUBLE PRECISION)"


def _minus_one_day(column: str) -> str:
    return f"({column} - 1)" if connection.vendor == "postgresql" else f"date({column}, '-1 day')"


def _finished_sql(source: str, scope: str, period_type: str, keep: str) -> str:
    """SELECT of complete Score rows (SCORE_COLUMNS order; computed_at is a parameter) from the
    rows of `source`, summed per key. `keep` (SQL on alias c) chooses the rows to return; every
    row of `source` can serve as the previous period of another."""
    if connection.vendor == "postgresql":
        # SUM of bigint keeps a numeric state per group (memory and time: a third of this
        # statement); a sum of doubles is exact for integers below 2**53 (9e15), millions of
        # times the largest sum here (Σx² of a city's year: 10M responses × 50² ≈ 2.5e10).
        sums = ", ".join(f"CAST(SUM(CAST(s.{c} AS DOUBLE PRECISION)) AS BIGINT) AS {c}" for c in SUMS)
    else:
        sums = ", ".join(f"SUM(s.{c}) AS {c}" for c in SUMS)
    zero = "CAST(0.0 AS DOUBLE PRECISION)"

    def variance(y: str, yy: str, xy: str, r: str) -> str:
        # scoring.ratio_estimate_arrays: Σe² = Σy² − 2rΣxy + r²Σx², rounding noise within 1e-9 of
        # the scale is zero; Var(r) = n/(n−1) · Σe² / (Σx)²; undefined below two responses.
        residual = f"({_dbl(yy)} - 2.0 * {r} * {_dbl(xy)} + {r} * {r} * {_dbl('g.sum_x2')})"
        scale = f"({_dbl(yy)} + {r} * {r} * {_dbl('g.sum_x2')})"
        return (
            f"CASE WHEN g.responses >= 2 AND g.answers > 0 THEN {_dbl('g.responses')} / (g.responses - 1) * "
            f"(CASE WHEN {residual} <= 1e-9 * {scale} THEN {zero} ELSE {residual} END) "
            f"/ ({_dbl('g.answers')} * {_dbl('g.answers')}) END"
        )

    def bounds(method: str) -> str:
        # The interval (Korn–Graubard) needs beta quantiles, which SQL lacks: the rows are
        # written with an empty interval and `_finish_intervals` fills it in the same transaction.
        return f"100.0 * f.r_{method} AS index_{method}, {zero} * NULL AS ci_low_{method}, {zero} * NULL AS ci_high_{method}"

    minimum = int(settings.MIN_RESPONSES_FOR_RANKING)

    def change(method: str) -> str:
        # scoring.change_arrays: z = |Δ/100| / √(Var₁ + Var₀) > 1.96, only when that is defined and > 0,
        # and only between two periods that both have enough responses (scoring.change_test).
        comparable = f"c.responses >= {minimum} AND c.prev_responses >= {minimum}"
        delta = f"(c.index_{method} - c.prev_index_{method})"
        total = f"(c.var_{method} + c.prev_var_{method})"
        return (
            f"CASE WHEN {comparable} THEN {delta} END, CASE WHEN {comparable} AND {total} > 0 "
            f"AND abs({delta} / 100.0) / sqrt({total}) > {scoring.Z95!r} THEN TRUE ELSE FALSE END"
        )

    def previous(column: str) -> str:
        # The row before in the same series counts only if it is the period just before.
        return f"CASE WHEN w.before_start = pc.period_start THEN w.before_{column} END AS prev_{column}"

    lagged = ("responses", "index_sipas", "var_sipas", "index_766", "var_766")
    return (
        f"WITH g AS (SELECT s.unit_id, s.period_start, s.dim, s.proc, {sums} FROM ({source}) s "
        "GROUP BY s.unit_id, s.period_start, s.dim, s.proc), "
        # Each step computed once (MATERIALIZED): inlined, the planner would repeat the ratio
        # inside every variance and the variance inside every bound.
        f"r AS MATERIALIZED (SELECT g.*, CASE WHEN g.answers > 0 THEN {_dbl('g.satisfied')} / g.answers END AS r_sipas, "
        f"CASE WHEN g.answers > 0 THEN {_dbl('g.not_dissatisfied')} / g.answers END AS r_766 FROM g), "
        "v AS MATERIALIZED (SELECT g.*, "
        f"{variance('g.satisfied', 'g.sum_y2_sipas', 'g.sum_xy_sipas', 'g.r_sipas')} AS var_sipas, "
        f"{variance('g.not_dissatisfied', 'g.sum_y2_766', 'g.sum_xy_766', 'g.r_766')} AS var_766 FROM r g), "
        f"f AS (SELECT f.*, CASE WHEN f.answers > 0 THEN {_dbl('f.sum_values')} / f.answers END AS mean, "
        f"{bounds('sipas')}, {bounds('766')} FROM v f), "
        # The previous period by a window over each series (no self-join: SQLite has no hash join).
        "w AS (SELECT f.*, LAG(f.period_start) OVER series AS before_start, "
        + ", ".join(f"LAG(f.{c}) OVER series AS before_{c}" for c in lagged)
        + " FROM f WINDOW series AS (PARTITION BY f.unit_id, f.dim, f.proc ORDER BY f.period_start)), "
        "x AS (SELECT w.*, " + ", ".join(previous(c) for c in lagged) + " FROM w LEFT JOIN reports_calendarday pc "
        f"ON pc.day = {_minus_one_day('w.period_start')} AND pc.period_type = '{period_type}') "
        f"SELECT c.unit_id, {_written(scope)}, NULLIF(c.dim, 0), NULLIF(c.proc, 0), '{period_type}', c.period_start, "
        + ", ".join(f"c.{col}" for col in SUMS)
        + ", c.mean, c.index_sipas, c.ci_low_sipas, c.ci_high_sipas, c.index_766, c.ci_low_766, c.ci_high_766, "
        f"c.responses >= {minimum}, {change('sipas')}, {change('766')}, %s "
        f"FROM x c WHERE {keep}"
    )


def _recompute_level(
    scope: str,
    period_type: str,
    source: str,
    units: set[int] | None,
    wanted: set[date] | None,
    *,
    table: str = "reports_score",
) -> int:
    """Write the Score rows of one level; rows written.

    `wanted` None: every row from `source` (a full recompute; the level is empty). Otherwise
    `source` holds the differences for the periods in `wanted` of `units` (None = all): they are
    added to the stored rows, the periods before serve for the change, and the rows of `units`
    × `wanted` are replaced (a key whose responses fell to zero disappears).
    """
    columns = ", ".join(SCORE_COLUMNS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if wanted is None:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) " + _finished_sql(source, scope, period_type, "1 = 1"), [now]
            )
            written = cursor.rowcount
            _finish_intervals(cursor, table, f"scope IN {_stored(scope)} AND period_type = '{period_type}'")
            return written
        if not wanted or (units is not None and not units):
            return 0
        before = {periods.previous_period_start(s, period_type) for s in wanted} - wanted
        unit_filter = f" AND unit_id IN ({_ids_sql(units)})" if units is not None else ""
        starts = ",".join(_date_sql(s) for s in sorted(wanted))
        stored = (
            "SELECT unit_id, period_start, COALESCE(dimension_id, 0), COALESCE(procedure_id, 0), "
            + ", ".join(SUMS)
            + f" FROM reports_score WHERE scope IN {_stored(scope)} AND period_type = '{period_type}'{unit_filter} "
            "AND period_start IN (" + ",".join(_date_sql(s) for s in sorted(wanted | before)) + ")"
        )
        keep = f"c.responses > 0 AND c.period_start IN ({starts})"
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS rollup_scores AS SELECT {columns} FROM reports_score WHERE 1 = 0"
        )
        cursor.execute("DELETE FROM rollup_scores")
        cursor.execute(
            f"INSERT INTO rollup_scores ({columns}) "
            + _finished_sql(f"{source} UNION ALL {stored}", scope, period_type, keep),
            [now],
        )
        cursor.execute(
            f"DELETE FROM reports_score WHERE scope IN {_stored(scope)} AND period_type = '{period_type}'"
            f"{unit_filter} AND period_start IN ({starts})"
        )
        cursor.execute(f"INSERT INTO reports_score ({columns}) SELECT {columns} FROM rollup_scores")
        written = cursor.rowcount
        _finish_intervals(
            cursor,
            "reports_score",
            f"scope IN {_stored(scope)} AND period_type = '{period_type}'{unit_filter} AND period_start IN ({starts})",
        )
        return written


INTERVAL_CHUNK = 50_000


def _finish_intervals(cursor, table: str, where: str) -> None:
    """Fill the 95% intervals (scoring.korn_graubard) of the rows of `table` matching `where`.

    The only step of the rollup that passes figures through Python: beta quantiles have no SQL
    form. It reads the sums of the rows just written, in chunks, and writes the two intervals
    back by id in one statement per chunk (rows under two responses keep an empty interval)."""
    columns = "id, " + ", ".join(INTERVAL_SUMS)
    last_id = 0
    while True:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE {where} AND responses >= 2 AND id > %s ORDER BY id LIMIT {INTERVAL_CHUNK}",
            [last_id],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        last_id = rows[-1][0]
        data = np.array([row[1:] for row in rows], dtype=float).T
        n, sx, ys, yn, sxx, yys, xys, yyn, xyn = data
        sipas = scoring.ratio_estimate_arrays(n, sx, ys, sxx, yys, xys)
        d766 = scoring.ratio_estimate_arrays(n, sx, yn, sxx, yyn, xyn)
        n_eff = [scoring.effective_size(m["index"] / 100.0, m["variance"], sx) for m in (sipas, d766)]
        values = [
            [None if math.isnan(v) else float(v) for v in column]
            for column in (sipas["ci_low"], sipas["ci_high"], d766["ci_low"], d766["ci_high"], *n_eff)
        ]
        ids = [row[0] for row in rows]
        assign = (
            "ci_low_sipas = v.a, ci_high_sipas = v.b, ci_low_766 = v.c, ci_high_766 = v.d, "
            "n_eff_sipas = v.e, n_eff_766 = v.f"
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} t SET {assign} FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[], "
                "%s::float8[], %s::float8[], %s::float8[]) AS v(id, a, b, c, d, e, f) WHERE t.id = v.id",
                [ids, *values],
            )
        else:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS rollup_ci "
                "(id integer PRIMARY KEY, a real, b real, c real, d real, e real, f real)"
            )
            cursor.execute("DELETE FROM rollup_ci")
            cursor.executemany(
                "INSERT INTO rollup_ci VALUES (%s, %s, %s, %s, %s, %s, %s)", list(zip(ids, *values, strict=True))
            )
            cursor.execute(f"UPDATE {table} SET {assign} FROM rollup_ci v WHERE {table}.id = v.id")
        if len(rows) < INTERVAL_CHUNK:
            return


INTERVAL_SUMS = (
    "responses",
    "answers",
    "satisfied",
    "not_dissatisfied",
    "sum_x2",
    "sum_y2_sipas",
    "sum_xy_sipas",
    "sum_y2_766",
    "sum_xy_766",
)
