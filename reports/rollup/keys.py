"""Which (unit, local day) keys an incremental run recomputes, and forgetting them once done.

Two sources: responses whose `changed_at` moved since the run's start point (the last successful
watermark minus a safety overlap for transactions that commit late), and RollupDirtyKey rows the
database marks itself (deletions, and changes made outside the moderation services).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import connection

from ..models import RollupDirtyKey
from . import dialect as dialects
from .dialect import as_date
from .tables import dirty, response


def keys_changed_since(changed_since: datetime) -> tuple[dict[date, set[int]], list[int], int]:
    """The units to recompute per local day, the ids of the dirty keys read, and how many changed
    responses were seen."""
    day = dialects.current().day
    R, K = response, dirty
    with connection.cursor() as cursor:
        cursor.execute(
            # "+ 0" keeps SQLite from walking the (unit, submitted_at) index for the GROUP BY
            # instead of the changed_at index for the WHERE: a full scan on every run.
            f"SELECT r.{R.unit} + 0, {day('r.' + R.submitted_at)}, COUNT(*) FROM {R.table} r "
            f"WHERE r.{R.changed_at} > %s GROUP BY 1, 2",
            [connection.ops.adapt_datetimefield_value(changed_since)],
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT k.{K.id}, k.{K.unit_id}, {day('k.' + K.submitted_at)} FROM {K.table} k ORDER BY k.{K.id}"
        )
        marked = cursor.fetchall()
    by_day: dict[date, set[int]] = defaultdict(set)
    seen = 0
    for unit_id, local_day, count in rows:
        by_day[as_date(local_day)].add(unit_id)
        seen += count
    for _pk, unit_id, local_day in marked:
        by_day[as_date(local_day)].add(unit_id)
    return dict(by_day), [pk for pk, _unit, _day in marked], seen


def dirty_keys_all() -> list[int]:
    """The ids of every dirty key now (a full run recomputes them all)."""
    return list(RollupDirtyKey.objects.values_list("pk", flat=True))


def dirty_keys_consume(ids: list[int]) -> None:
    """Delete the dirty keys this run has read (by id: keys marked meanwhile wait for the next run)."""
    for i in range(0, len(ids), 5000):
        RollupDirtyKey.objects.filter(pk__in=ids[i : i + 5000])._raw_delete(connection.alias)
