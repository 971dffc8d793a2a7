"""The tables the rollup joins through: the unit closure and the calendar.

UnitClosure holds (ancestor, descendant) for the unit tree and the full successions in force: a
unit merged in full (UnitSuccession kind "full") keeps its own history, and from the merge date
on (once `effective_on` has come) its whole history also counts in the successor's subtree and
above. A partial succession moves nothing. CalendarDay maps each day to the start of its month,
quarter and year, so the statements group days into periods with a join.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Unit, UnitSuccession

from .. import scoring
from ..models import CalendarDay, UnitClosure
from . import dialect as dialects

logger = logging.getLogger(__name__)


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


def closure_sync() -> bool:
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
        with connection.cursor() as cursor:
            dialects.current().analyze(cursor, UnitClosure._meta.db_table)
    logger.info("rollup: unit closure changed (%s pairs)", len(wanted))
    return True


def calendar_ensure(first: date, last: date) -> None:
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
    with connection.cursor() as cursor:
        dialects.current().analyze(cursor, CalendarDay._meta.db_table)
