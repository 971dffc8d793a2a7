"""Per-response sums (issue 15): recompute, check and backfill them — the Python side.

The database writes the sums (surveys.sum_models.ResponseSum; triggers of migration
0008_i15_sums_response_sums) whenever answers or a response change. This module runs the very
same statements (taken from that migration, so there is one definition) for a list of responses:
the backfill of a database that held responses before the table existed, and a repair. Every
function here runs inside the caller's transaction or its own; none reads answers into Python.

Invariant (checked by `response_sums_disagreeing`): for every response, the stored rows equal
the rows recomputed from its answers — the overall row always, one row per dimension key rated.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from django.db import connection, transaction

_sql = importlib.import_module("surveys.migrations.0008_i15_sums_response_sums")
TABLE = _sql.TABLE


def _ids_sql(ids: Sequence[int]) -> str:
    return "IN (" + (",".join(str(int(i)) for i in ids) or "NULL") + ")"


def response_sums_write(response_ids: Sequence[int]) -> None:
    """Recompute and store the sums of these responses from their answers (idempotent)."""
    if not response_ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT i15_sums_refresh(%s::bigint[])", [list(map(int, response_ids))])
        else:
            for statement in _sql.refresh_statements(connection.vendor, _ids_sql(response_ids)):
                cursor.execute(statement)


def response_sums_disagreeing(response_ids: Sequence[int] | None = None) -> list[int]:
    """Ids of responses whose stored sums differ from a recomputation from their answers
    (missing rows included; responses whose answers are archived keep theirs and are skipped).
    None = every response (a full scan: for tests and audits)."""
    ids = "IN (SELECT id FROM surveys_response)" if response_ids is None else _ids_sql(response_ids)
    names = _sql.COLUMNS
    sql = (
        f"WITH f({names}) AS ({_sql.sums_select(connection.vendor, ids)}), "
        f"s({names}) AS (SELECT {names} FROM {TABLE} WHERE response_id {ids} "
        f"AND response_id NOT IN (SELECT response_id FROM {_sql.ARCHIVE})) "
        "SELECT DISTINCT x.response_id FROM (SELECT * FROM (SELECT * FROM f EXCEPT SELECT * FROM s) d1 "
        "UNION ALL SELECT * FROM (SELECT * FROM s EXCEPT SELECT * FROM f) d2) x ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def response_sums_missing(after_id: int = 0, limit: int | None = None) -> list[int]:
    """Ids (ascending, above `after_id`) of responses without their overall row: not yet backfilled."""
    sql = (
        f"SELECT r.id FROM surveys_response r WHERE r.id > %s AND NOT EXISTS (SELECT 1 FROM {TABLE} s "
        "WHERE s.response_id = r.id AND s.dimension_key = 0) ORDER BY r.id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [after_id])
        return [row[0] for row in cursor.fetchall()]


def response_sums_backfill_batch(after_id: int, size: int) -> tuple[int, int]:
    """Write the sums of the next `size` responses (by id, above `after_id`) still without them,
    in one transaction; return (the last id written, how many). (after_id, 0) when none is left.
    Resumable by construction: what a batch wrote is never looked at again."""
    with transaction.atomic():
        ids = response_sums_missing(after_id, size)
        response_sums_write(ids)
    return (ids[-1] if ids else after_id), len(ids)
