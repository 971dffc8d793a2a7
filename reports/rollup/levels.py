"""The levels of Score rows and where each one's sums come from.

A level is (scope, period type): own or subtree × day, month, quarter, year. Its source is a
SELECT of rows (unit_id, period_start, dim, proc, sums…) that `scores.finished_sql` sums per key:
- own days and months from DaySum-shaped rows (DaySum itself, or the run's differences);
- own quarters from own months, own years from own quarters;
- subtrees from own rows through the unit closure, only for units above others: a unit whose
  subtree is only itself keeps one row set, scope BOTH_SCOPES (its own rows are its subtree rows).
Day figures are overall only; procedures get month figures, overall only.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from .. import scoring
from ..models import BOTH_SCOPES
from .tables import SUMS, calendar, closure, daysum, score

LEVELS = [("own", t) for t in scoring.PERIOD_TYPES] + [("subtree", t) for t in scoring.PERIOD_TYPES]
S, D, CL, CAL = score, daysum, closure, calendar

# Units above others (their subtree is more than themselves), and lone units.
INNER_SQL = f"SELECT {CL.ancestor} FROM {CL.table} GROUP BY {CL.ancestor} HAVING COUNT(*) > 1"
LONE_SQL = f"SELECT {CL.ancestor} FROM {CL.table} GROUP BY {CL.ancestor} HAVING COUNT(*) = 1"


def inner_units() -> set[int]:
    """The ids of the units above others (the only ones with subtree rows)."""
    with connection.cursor() as cursor:
        cursor.execute(INNER_SQL)
        return {row[0] for row in cursor.fetchall()}


def periods_touched(days: set[date], period_type: str) -> set[date]:
    """Periods holding the days, and the periods after them (their change depends on these)."""
    starts = {scoring.period_start(d, period_type) for d in days}
    return starts | {scoring.next_period_start(s, period_type) for s in starts}


def stored_scopes(scope: str) -> str:
    """SQL list of the stored scope values holding a level's rows: a unit whose subtree is only
    itself keeps one row set, scope BOTH_SCOPES (its own rows are its subtree rows)."""
    return f"('own', '{BOTH_SCOPES}')" if scope == "own" else "('subtree')"


def written_scope(scope: str) -> str:
    """SQL for the scope value a level writes (alias c): own rows of lone units are 'both'."""
    if scope == "own":
        return f"CASE WHEN c.unit_id IN ({LONE_SQL}) THEN '{BOTH_SCOPES}' ELSE 'own' END"
    return f"'{scope}'"


def day_source(table: str, scope: str, period_type: str, ancestors_sql: str = "") -> str:
    """Rows (unit_id, period_start, dim, proc, sums) of one level from DaySum-shaped `table`
    (DaySum, or the run's differences); `ancestors_sql` narrows a subtree's ancestors (alias cl).

    Day figures are overall only (a unit rarely gets more than a few answers a day, so
    per-dimension days would be noise); procedures get month figures, overall only.
    """
    unit = f"cl.{CL.ancestor}" if scope == "subtree" else f"d.{D.unit}"
    joined = f" JOIN {CL.table} cl ON cl.{CL.descendant} = d.{D.unit}{ancestors_sql}" if scope == "subtree" else ""
    sums = ", ".join(f"d.{c} AS {c}" for c in SUMS)
    if period_type == "day":
        return (
            f"SELECT {unit} AS unit_id, d.{D.day} AS period_start, 0 AS dim, 0 AS proc, {sums} FROM {table} d"
            f"{joined} WHERE d.{D.procedure_key} = 0 AND d.{D.dimension_key} = 0"
        )
    cal = f" JOIN {CAL.table} c ON c.{CAL.day} = d.{D.day} AND c.{CAL.period_type} = '{period_type}'"
    sql = (
        f"SELECT {unit} AS unit_id, c.{CAL.period_start} AS period_start, d.{D.dimension_key} AS dim, 0 AS proc, "
        f"{sums} FROM {table} d{cal}{joined} WHERE d.{D.procedure_key} = 0 AND d.{D.dimension_key} >= 0"
    )
    if period_type == "month":
        sql += (
            f" UNION ALL SELECT {unit}, c.{CAL.period_start}, 0, d.{D.procedure_key}, {sums} FROM {table} d{cal}"
            f"{joined} WHERE d.{D.procedure_key} > 0"
        )
    return sql


def score_source(scope: str, period_type: str, units_sql: str = "", *, table: str = S.table) -> str:
    """Rows of one level from the finer own Score rows of `table`: quarters from months, years
    from quarters, subtrees from own rows through the closure (restricted to ancestors in
    `units_sql`, SQL on alias cl)."""
    sums = ", ".join(f"s.{c} AS {c}" for c in SUMS)
    key = (
        f"s.{S.period_start} AS period_start, COALESCE(s.{S.dimension}, 0) AS dim"
        if scope == "subtree"
        else f"c.{CAL.period_start} AS period_start, COALESCE(s.{S.dimension}, 0) AS dim"
    )
    if scope == "subtree":
        return (
            f"SELECT cl.{CL.ancestor} AS unit_id, {key}, COALESCE(s.{S.procedure}, 0) AS proc, {sums} "
            f"FROM {table} s JOIN {CL.table} cl ON cl.{CL.descendant} = s.{S.unit} "
            f"WHERE s.{S.scope} IN {stored_scopes('own')} AND s.{S.period_type} = '{period_type}'{units_sql}"
        )
    finer = {"quarter": "month", "year": "quarter"}[period_type]
    return (
        f"SELECT s.{S.unit} AS unit_id, {key}, 0 AS proc, {sums} FROM {table} s "
        f"JOIN {CAL.table} c ON c.{CAL.day} = s.{S.period_start} AND c.{CAL.period_type} = '{period_type}' "
        f"WHERE s.{S.scope} IN {stored_scopes('own')} AND s.{S.period_type} = '{finer}' "
        f"AND s.{S.procedure} IS NULL"
    )
