"""The three kinds of run: full, incremental (changed keys) and window (every unit's days).

A full run rebuilds DaySum and ChannelDay from the per-response sums (base.py) and every Score row from DaySum,
level by level. Incremental and window runs recompute the DaySum rows of some (unit, day) keys
(`days_apply`) and carry the difference new − old up to every Score row those days feed: sums
are additive, so a month (quarter, year, subtree) changes by exactly the difference of its
changed days. The cost follows the changed keys, not the length of the history; integer sums
make the result equal a full recompute exactly, and running twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import connection, transaction

from .. import periods
from ..models import UnitClosure
from . import base, keys, scores, swap
from . import dialect as dialects
from .closure import calendar_ensure
from .dialect import as_date, city_zone, ids_literal
from .levels import LEVELS, day_source, inner_units, periods_touched, score_source
from .tables import SUMS, closure, daysum, response, score

logger = logging.getLogger(__name__)
D = daysum


@transaction.atomic
def full(stats: dict) -> None:
    """Everything from the per-response sums, in one transaction: all or nothing."""
    sql = dialects.current()
    dirty = keys.dirty_keys_all()
    with connection.cursor() as cursor:
        sql.tune(cursor, work_mem="256MB", jit=False)
        base.sums_complete_check(cursor)
        stats["keys"] = swap.daysum_rebuild(cursor)
        base.channelday_rebuild_all(cursor)
        cursor.execute(base.counted_responses_sql())
        stats["responses"] = cursor.fetchone()[0]
        sql.analyze(cursor, D.table)
    dimensionless_log()
    span = daysum_range()
    if span:
        calendar_ensure(*span)
    all_scores(stats)
    with connection.cursor() as cursor:
        # Fresh statistics after replacing every row, or the next incremental runs get seq scans.
        sql.analyze(cursor, score.table)
    keys.dirty_keys_consume(dirty)


def incremental(changed_since: datetime, stats: dict) -> None:
    """The (unit, day) keys of responses changed since `changed_since`, and what they feed."""
    by_day, dirty, seen = keys.keys_changed_since(changed_since)
    stats["responses"] += seen
    if not by_day:
        return
    days_apply([(day, day, units) for day, units in sorted(by_day.items())], stats)
    keys.dirty_keys_consume(dirty)


def window(since: date | None, until: date | None, stats: dict) -> None:
    """Every unit's days in the window (both ends included), and what they feed."""
    day = dialects.current().day(f"r.{response.submitted_at}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN({day}), MAX({day}) FROM {response.table} r")
        lo, hi = cursor.fetchone()
        cursor.execute(f"SELECT MIN({D.day}), MAX({D.day}) FROM {D.table}")
        dlo, dhi = cursor.fetchone()
    known = [as_date(v) for v in (lo, hi, dlo, dhi) if v is not None]
    if not known:
        return
    first = max(since, min(known)) if since else min(known)
    last = min(until, max(known)) if until else max(known)
    if first > last:
        return
    days_apply([(first, last, None)], stats)


@transaction.atomic
def days_apply(spans: list[tuple[date, date, set[int] | None]], stats: dict) -> None:
    """Recompute the DaySum rows of `spans` (first day, last day, units or None = all units) from
    the per-response sums, and carry the difference up to every Score row those days feed.

    DaySum and Score change in one transaction, so the differences can never be applied twice or lost.
    """
    sql = dialects.current()
    tz = city_zone()
    columns = f"{D.unit}, {D.day}, {D.procedure_key}, {D.dimension_key}"
    negated = ", ".join(f"-{c}" for c in SUMS)
    with connection.cursor() as cursor:
        # Small statements: compiling them (JIT) would cost more than running them.
        sql.tune(cursor, work_mem="64MB", jit=False)
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS rollup_delta ({D.unit} bigint, {D.day} date, "
            f"{D.procedure_key} bigint, {D.dimension_key} bigint, " + ", ".join(f"{c} bigint" for c in SUMS) + ")"
        )
        cursor.execute("DELETE FROM rollup_delta")
        for first, last, units in spans:
            units_sql = ids_literal(units) if units is not None else ""
            where = f"{D.day} >= %s AND {D.day} <= %s" + (f" AND {D.unit} IN ({units_sql})" if units_sql else "")
            days = [connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)]
            cursor.execute(f"INSERT INTO rollup_delta SELECT {columns}, {negated} FROM {D.table} WHERE {where}", days)
            cursor.execute(f"DELETE FROM {D.table} WHERE {where}", days)
            start = datetime.combine(first, datetime.min.time(), tz)
            end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
            bounds = [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)]
            base.sums_complete_check(cursor, base.span_filter(units_sql, alias="r"), bounds)
            cursor.execute(base.daysum_insert_sql(base.span_filter(units_sql)), bounds * 2)
            base.channelday_rebuild_span(cursor, first, last, units_sql, bounds)
            cursor.execute(
                f"INSERT INTO rollup_delta SELECT {columns}, {', '.join(SUMS)} FROM {D.table} WHERE {where}", days
            )
            stats["keys"] += (len(units) if units is not None else 1) * ((last - first).days + 1)
        sql.analyze(cursor, "rollup_delta")
    all_days = {first + timedelta(days=i) for first, last, _ in spans for i in range((last - first).days + 1)}
    dimensionless_log("rollup_delta")
    calendar_ensure(min(all_days), max(all_days))
    inner = inner_units()
    if any(units is None for _, _, units in spans):
        units = None
    else:
        units = {u for _, _, us in spans for u in us}
        ancestors = set(UnitClosure.objects.filter(descendant_id__in=units).values_list("ancestor_id", flat=True))
        inner &= ancestors | units
    for period_type in periods.PERIOD_TYPES:
        wanted = periods_touched(all_days, period_type)
        stats["written"] += scores.recompute_level(
            "own", period_type, day_source("rollup_delta", "own", period_type), units, wanted
        )
        # A unit whose subtree is only itself (most of them) keeps one row set (scope "both",
        # written by the own level): only the units above others have subtree rows.
        stats["written"] += scores.recompute_level(
            "subtree",
            period_type,
            day_source("rollup_delta", "subtree", period_type, f" AND cl.{closure.ancestor} IN ({ids_literal(inner)})"),
            inner,
            wanted,
        )


def all_scores(stats: dict) -> None:
    """Every Score row from DaySum (full recompute), level by level, in one transaction.

    On PostgreSQL the rows go into a new table that takes the old one's place at commit
    (swap.py); on SQLite the rows are replaced in place.
    """
    sql = dialects.current()
    with transaction.atomic(), connection.cursor() as cursor:
        table = swap.score_table_fresh(cursor)
        inner = ids_literal(inner_units())
        for scope, period_type in LEVELS:
            if (scope, period_type) in (("own", "quarter"), ("subtree", "day")):
                # Quarters, years and subtrees read the rows just written: the planner must know them.
                sql.analyze(cursor, table)
            if scope == "subtree":
                # Only units above others: the others' own rows are stored as "both".
                source = score_source(scope, period_type, f" AND cl.{closure.ancestor} IN ({inner})", table=table)
            elif period_type in ("day", "month"):
                source = day_source(D.table, scope, period_type)
            else:
                source = score_source(scope, period_type, table=table)
            stats["written"] += scores.recompute_level(scope, period_type, source, None, None, table=table)
        swap.score_table_in_place(cursor, table)


def daysum_range() -> tuple[date, date] | None:
    """The first and last day DaySum holds (None when empty)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN({D.day}), MAX({D.day}) FROM {D.table}")
        lo, hi = cursor.fetchone()
    return (as_date(lo), as_date(hi)) if lo is not None else None


def dimensionless_log(table: str = D.table) -> None:
    """Rated answers to questions without a dimension count in the overall figure only; say so.
    (`table` rollup_delta: the days just recomputed, whose new rows are the positive ones.)"""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(answers), 0) FROM {table} WHERE {D.dimension_key} = -1 AND answers > 0")
        count = cursor.fetchone()[0]
    if count:
        logger.warning(
            "rollup: %s rated answers belong to questions without a dimension; they count in the overall figures only",
            count,
        )
