"""Every difference between SQLite and PostgreSQL the rollup knows of, in one place.

The other modules of the rollup build one statement for both databases and ask the dialect for
the few pieces that differ: the local day of a timestamp, a day before a date, whether a CTE may
be MATERIALIZED, how a grouped sum stays exact and cheap, how columns become rows (unpivot), how
many rows are updated by id at once, and the PostgreSQL-only tuning (work_mem, JIT, ANALYZE).
`current()` is the dialect of the default connection; `for_vendor()` builds either one without
a database, which is how the SQL-shape tests read the statements of both.

Invariant: nothing outside this module (and `lock`, whose locks are not SQL) looks at
`connection.vendor`; a capability (`swaps_tables`, `advisory_locks`) is asked for by name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone


def city_zone() -> ZoneInfo:
    """The city's time zone: scores count local days."""
    return ZoneInfo(settings.TIME_ZONE)


def as_date(value) -> date:
    """A date read back from the database (SQLite returns text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def date_literal(value: date) -> str:
    return "'" + value.isoformat() + "'"


def ids_literal(ids) -> str:
    """SQL list of integer ids ("NULL" when empty, so `IN (NULL)` matches nothing)."""
    return ",".join(str(int(i)) for i in ids) or "NULL"


def double(sql: str) -> str:
    return f"CAST({sql} AS DOUBLE PRECISION)"


class Dialect:
    """What both databases share; the subclasses hold the differences."""

    name = ""
    swaps_tables = False  # full runs build *_next tables and swap them in (swap.py)
    advisory_locks = False  # one rollup at a time through the database itself (lock.py)

    def day(self, column: str) -> str:
        """SQL for the local calendar date (settings.TIME_ZONE) of a timestamp column."""
        raise NotImplementedError

    def minus_one_day(self, column: str) -> str:
        raise NotImplementedError

    @property
    def materialized(self) -> str:
        """The keyword that makes a CTE read twice be computed once ("" where unsupported)."""
        return "MATERIALIZED "

    def exact_sum(self, expression: str, alias: str) -> str:
        """A grouped sum of integers, exact, named `alias`."""
        return f"SUM({expression}) AS {alias}"

    def unpivot(
        self, select: str, source: str, key: str, rows: Sequence[tuple[int, Sequence[str]]], names: Sequence[str]
    ) -> str:
        """Columns into rows: for each row of `source` and each (key value, expressions) of `rows`,
        one row `select, key, names…` — kept only when its first expression is above zero."""
        raise NotImplementedError

    def tune(self, cursor, *, work_mem: str | None = None, jit: bool = True) -> None:
        """Settings for the rest of the transaction (PostgreSQL only)."""

    def analyze(self, cursor, table: str) -> None:
        """Fresh planner statistics for `table` after many rows changed (PostgreSQL only)."""

    def update_by_id(self, cursor, table: str, assign: str, ids: list[int], values: list[list]) -> None:
        """UPDATE `table` SET `assign` (on v.a … v.f) for the rows `ids`, `values` one list per letter."""
        raise NotImplementedError


class SQLite(Dialect):
    name = "sqlite"

    def day(self, column: str) -> str:
        # SQLite stores UTC text. Vietnam has kept UTC+7 without daylight saving since 1975, so a
        # fixed offset is exact for every date this product will see.
        minutes = int(timezone.now().astimezone(city_zone()).utcoffset().total_seconds() // 60)
        return f"date({column}, '{minutes:+d} minutes')"

    def minus_one_day(self, column: str) -> str:
        return f"date({column}, '-1 day')"

    @property
    def materialized(self) -> str:
        # SQLite 3.35+ computes a MATERIALIZED CTE once; older versions do not know the word.
        return "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""

    def unpivot(self, select, source, key, rows, names):
        # No LATERAL: one SELECT a key, glued by UNION ALL.
        return " UNION ALL ".join(
            f"SELECT {select}, {value} AS {key}, "
            + ", ".join(f"{expr} AS {name}" for expr, name in zip(exprs, names, strict=True))
            + f" FROM {source} WHERE {exprs[0]} > 0"
            for value, exprs in rows
        )

    def update_by_id(self, cursor, table, assign, ids, values):
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS rollup_ci "
            "(id integer PRIMARY KEY, a real, b real, c real, d real, e real, f real)"
        )
        cursor.execute("DELETE FROM rollup_ci")
        cursor.executemany(
            "INSERT INTO rollup_ci VALUES (%s, %s, %s, %s, %s, %s, %s)", list(zip(ids, *values, strict=True))
        )
        cursor.execute(f"UPDATE {table} SET {assign} FROM rollup_ci v WHERE {table}.id = v.id")


class PostgreSQL(Dialect):
    name = "postgresql"
    swaps_tables = True
    advisory_locks = True

    def day(self, column: str) -> str:
        return f"(({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"

    def minus_one_day(self, column: str) -> str:
        return f"({column} - 1)"

    def exact_sum(self, expression: str, alias: str) -> str:
        # SUM of bigint keeps a numeric state per group (memory and time: a third of the finishing
        # statement); a sum of doubles is exact for integers below 2**53 (9e15), millions of
        # times the largest sum here (Σx² of a city's year: 10M responses × 50² ≈ 2.5e10).
        return f"CAST(SUM(CAST({expression} AS DOUBLE PRECISION)) AS BIGINT) AS {alias}"

    def unpivot(self, select, source, key, rows, names):
        values = ", ".join(f"({value}, {', '.join(exprs)})" for value, exprs in rows)
        return (
            f"SELECT {select}, v.* FROM {source} CROSS JOIN LATERAL (VALUES {values}) "
            f"v({key}, {', '.join(names)}) WHERE v.{names[0]} > 0"
        )

    def tune(self, cursor, *, work_mem=None, jit=True):
        if not jit:
            # Compiling the statements (JIT) costs more than it wins back here.
            cursor.execute("SET LOCAL jit = off")
        if work_mem:
            cursor.execute(f"SET LOCAL work_mem = '{work_mem}'")

    def analyze(self, cursor, table):
        cursor.execute(f"ANALYZE {table}")

    def update_by_id(self, cursor, table, assign, ids, values):
        cursor.execute(
            f"UPDATE {table} t SET {assign} FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[], "
            "%s::float8[], %s::float8[], %s::float8[]) AS v(id, a, b, c, d, e, f) WHERE t.id = v.id",
            [ids, *values],
        )


_DIALECTS = {d.name: d for d in (SQLite(), PostgreSQL())}


def for_vendor(vendor: str) -> Dialect:
    """The dialect of a database vendor ("sqlite" or "postgresql"), usable without a connection."""
    return _DIALECTS[vendor]


def current() -> Dialect:
    """The dialect of the default connection."""
    return for_vendor(connection.vendor)
