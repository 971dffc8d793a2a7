"""Finished Score rows: the sums of a level grouped per key, and every figure finished in SQL.

Every Score row is written by one INSERT … SELECT (`finished_sql`): the sums are grouped in the
database and the figures (index, change and its test) are finished by SQL expressions that
mirror `scoring.ratio_estimate_arrays` and `scoring.change_arrays` operation for operation. The
95% intervals (Korn–Graubard) need beta quantiles, which SQL lacks: `finish_intervals` fills them
in the same transaction — the only step of the rollup that passes figures through Python.

`recompute_level` writes one level either in full (every row from its source) or by
differences (the stored rows of the touched periods plus new − old of their days): integer sums
make both give the same rows exactly.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .. import scoring
from . import dialect as dialects
from .dialect import date_literal, double, ids_literal
from .levels import stored_scopes, written_scope
from .tables import INTERVAL_SUMS, SCORE_COLUMNS, SUMS, calendar, score

S, CAL = score, calendar
INTERVAL_CHUNK = 50_000
LAGGED = ("responses", "index_sipas", "var_sipas", "index_766", "var_766")


def _variance(y: str, yy: str, xy: str, r: str) -> str:
    # scoring.ratio_estimate_arrays: Σe² = Σy² − 2rΣxy + r²Σx², rounding noise within 1e-9 of
    # the scale is zero; Var(r) = n/(n−1) · Σe² / (Σx)²; undefined below two responses.
    zero = "CAST(0.0 AS DOUBLE PRECISION)"
    residual = f"({double(yy)} - 2.0 * {r} * {double(xy)} + {r} * {r} * {double('g.sum_x2')})"
    scale = f"({double(yy)} + {r} * {r} * {double('g.sum_x2')})"
    return (
        f"CASE WHEN g.responses >= 2 AND g.answers > 0 THEN {double('g.responses')} / (g.responses - 1) * "
        f"(CASE WHEN {residual} <= 1e-9 * {scale} THEN {zero} ELSE {residual} END) "
        f"/ ({double('g.answers')} * {double('g.answers')}) END"
    )


def _bounds(method: str) -> str:
    # Written with an empty interval: `finish_intervals` fills it in the same transaction.
    zero = "CAST(0.0 AS DOUBLE PRECISION)"
    return (
        f"100.0 * f.r_{method} AS index_{method}, {zero} * NULL AS ci_low_{method}, {zero} * NULL AS ci_high_{method}"
    )


def _change(method: str, minimum: int) -> str:
    # scoring.change_arrays: z = |Δ/100| / √(Var₁ + Var₀) > 1.96, only when that is defined and > 0,
    # and only between two periods that both have enough responses (scoring.change_test).
    comparable = f"c.responses >= {minimum} AND c.prev_responses >= {minimum}"
    delta = f"(c.index_{method} - c.prev_index_{method})"
    total = f"(c.var_{method} + c.prev_var_{method})"
    return (
        f"CASE WHEN {comparable} THEN {delta} END, CASE WHEN {comparable} AND {total} > 0 "
        f"AND abs({delta} / 100.0) / sqrt({total}) > {scoring.Z95!r} THEN TRUE ELSE FALSE END"
    )


def _previous(column: str) -> str:
    # The row before in the same series counts only if it is the period just before.
    return f"CASE WHEN w.before_start = pc.{CAL.period_start} THEN w.before_{column} END AS prev_{column}"


def finished_sql(
    source: str, scope: str, period_type: str, keep: str, *, dialect: dialects.Dialect | None = None
) -> str:
    """SELECT of complete Score rows (SCORE_COLUMNS order; computed_at is a parameter) from the
    rows of `source`, summed per key. `keep` (SQL on alias c) chooses the rows to return; every
    row of `source` can serve as the previous period of another."""
    sql = dialect or dialects.current()
    sums = ", ".join(sql.exact_sum(f"s.{c}", c) for c in SUMS)
    minimum = int(settings.MIN_RESPONSES_FOR_RANKING)
    return (
        f"WITH g AS (SELECT s.unit_id, s.period_start, s.dim, s.proc, {sums} FROM ({source}) s "
        "GROUP BY s.unit_id, s.period_start, s.dim, s.proc), "
        # Each step computed once (MATERIALIZED): inlined, the planner would repeat the ratio
        # inside every variance and the variance inside every bound.
        f"r AS MATERIALIZED (SELECT g.*, CASE WHEN g.answers > 0 THEN {double('g.satisfied')} / g.answers END AS r_sipas, "
        f"CASE WHEN g.answers > 0 THEN {double('g.not_dissatisfied')} / g.answers END AS r_766 FROM g), "
        "v AS MATERIALIZED (SELECT g.*, "
        f"{_variance('g.satisfied', 'g.sum_y2_sipas', 'g.sum_xy_sipas', 'g.r_sipas')} AS var_sipas, "
        f"{_variance('g.not_dissatisfied', 'g.sum_y2_766', 'g.sum_xy_766', 'g.r_766')} AS var_766 FROM r g), "
        f"f AS (SELECT f.*, CASE WHEN f.answers > 0 THEN {double('f.sum_values')} / f.answers END AS mean, "
        f"{_bounds('sipas')}, {_bounds('766')} FROM v f), "
        # The previous period by a window over each series (no self-join: SQLite has no hash join).
        "w AS (SELECT f.*, LAG(f.period_start) OVER series AS before_start, "
        + ", ".join(f"LAG(f.{c}) OVER series AS before_{c}" for c in LAGGED)
        + " FROM f WINDOW series AS (PARTITION BY f.unit_id, f.dim, f.proc ORDER BY f.period_start)), "
        "x AS (SELECT w.*, " + ", ".join(_previous(c) for c in LAGGED) + f" FROM w LEFT JOIN {CAL.table} pc "
        f"ON pc.{CAL.day} = {sql.minus_one_day('w.period_start')} AND pc.{CAL.period_type} = '{period_type}') "
        f"SELECT c.unit_id, {written_scope(scope)}, NULLIF(c.dim, 0), NULLIF(c.proc, 0), '{period_type}', "
        "c.period_start, "
        + ", ".join(f"c.{col}" for col in SUMS)
        + ", c.mean, c.index_sipas, c.ci_low_sipas, c.ci_high_sipas, c.index_766, c.ci_low_766, c.ci_high_766, "
        f"c.responses >= {minimum}, {_change('sipas', minimum)}, {_change('766', minimum)}, %s "
        f"FROM x c WHERE {keep}"
    )


def recompute_level(
    scope: str,
    period_type: str,
    source: str,
    units: set[int] | None,
    wanted: set[date] | None,
    *,
    table: str = S.table,
) -> int:
    """Write the Score rows of one level; rows written.

    `wanted` None: every row from `source` (a full recompute; the level is empty). Otherwise
    `source` holds the differences for the periods in `wanted` of `units` (None = all): they are
    added to the stored rows, the periods before serve for the change, and the rows of `units`
    × `wanted` are replaced (a key whose responses fell to zero disappears).
    """
    columns = ", ".join(SCORE_COLUMNS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    level = f"{S.scope} IN {stored_scopes(scope)} AND {S.period_type} = '{period_type}'"
    with connection.cursor() as cursor:
        if wanted is None:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) " + finished_sql(source, scope, period_type, "1 = 1"), [now]
            )
            written = cursor.rowcount
            finish_intervals(cursor, table, level)
            return written
        if not wanted or (units is not None and not units):
            return 0
        before = {scoring.previous_period_start(s, period_type) for s in wanted} - wanted
        unit_filter = f" AND {S.unit} IN ({ids_literal(units)})" if units is not None else ""
        starts = ",".join(date_literal(s) for s in sorted(wanted))
        stored = (
            f"SELECT {S.unit}, {S.period_start}, COALESCE({S.dimension}, 0), COALESCE({S.procedure}, 0), "
            + ", ".join(SUMS)
            + f" FROM {S.table} WHERE {level}{unit_filter} "
            f"AND {S.period_start} IN (" + ",".join(date_literal(s) for s in sorted(wanted | before)) + ")"
        )
        keep = f"c.responses > 0 AND c.period_start IN ({starts})"
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS rollup_scores AS SELECT {columns} FROM {S.table} WHERE 1 = 0"
        )
        cursor.execute("DELETE FROM rollup_scores")
        cursor.execute(
            f"INSERT INTO rollup_scores ({columns}) "
            + finished_sql(f"{source} UNION ALL {stored}", scope, period_type, keep),
            [now],
        )
        replaced = f"{level}{unit_filter} AND {S.period_start} IN ({starts})"
        cursor.execute(f"DELETE FROM {S.table} WHERE {replaced}")
        cursor.execute(f"INSERT INTO {S.table} ({columns}) SELECT {columns} FROM rollup_scores")
        written = cursor.rowcount
        finish_intervals(cursor, S.table, replaced)
        return written


def finish_intervals(cursor, table: str, where: str) -> None:
    """Fill the 95% intervals (scoring.korn_graubard) of the rows of `table` matching `where`.

    The only step of the rollup that passes figures through Python: beta quantiles have no SQL
    form. It reads the sums of the rows just written, in chunks, and writes the two intervals
    back by id in one statement per chunk (rows under two responses keep an empty interval)."""
    columns = f"{S.id}, " + ", ".join(INTERVAL_SUMS)
    sql = dialects.current()
    last_id = 0
    while True:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE {where} AND responses >= 2 AND {S.id} > %s "
            f"ORDER BY {S.id} LIMIT {INTERVAL_CHUNK}",
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
        assign = (
            "ci_low_sipas = v.a, ci_high_sipas = v.b, ci_low_766 = v.c, ci_high_766 = v.d, "
            "n_eff_sipas = v.e, n_eff_766 = v.f"
        )
        sql.update_by_id(cursor, table, assign, [row[0] for row in rows], values)
        if len(rows) < INTERVAL_CHUNK:
            return
