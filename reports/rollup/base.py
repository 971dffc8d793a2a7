"""The base sums: what the rollup reads of the citizens' responses, and nothing else does.

This module is the single place where the source of the base sums is defined. Since issue 15 that
source is the per-response sums (surveys.ResponseSum, written by the database with the answers:
one row per response and dimension key, with its unit, local day, procedure, channel and
exclusion), so a run reads one row per response and dimension, never the answers, and groups
nothing per response. Every other step of the rollup reads DaySum (or ChannelDay, or finer Score
rows):
- DaySum: one row per (unit, local day, procedure key, dimension key) with the additive sums
  (scoring.SUM_COLUMNS) — `base_select_sql`, written by `daysum_insert_sql`;
- ChannelDay: the overall sums per (unit, local day, channel) — `channelday_rebuild_all/_span`;
- the count of responses a run saw — `counted_responses_sql`.

Rules (DESIGN.md, Scoring method): excluded responses count nowhere; open-link answers count
only with settings.INCLUDE_OPEN_LINK_IN_SCORES (ChannelDay keeps them, reported apart);
"not applicable" (NULL) ratings count nowhere; a rated answer to a question without a dimension
counts in the overall figure only (dimension key -1, logged by the run). A response counts in a
(unit, day, dimension) when it has rated answers there (its sums row has answers > 0).

`answers_select_sql` keeps the former statement over the raw answers: the tests compare both, and
the benchmark times it. A run refuses to read the sums while responses lack theirs
(`sums_missing_sql`: a database migrated but not yet backfilled).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import connection

from surveys.models import Dimension, QuestionKind, Response

from . import dialect as dialects
from .tables import SUMS, answer, channelday, daysum, question, response, response_sum

R, A, Q, S = response, answer, question, response_sum
RATING = QuestionKind.RATING.value
LINK = Response.Channel.LINK.value
# The per-response and per-day columns of one dimension: x (rated answers), ys (4–5), yn (3–5),
# dis (1–2), sv (Σ values), n (responses), and the cross-products of the cluster sums.
DAY_COLUMNS = ("n", "x", "ys", "yn", "dis", "sv", "xx", "yys", "xys", "yyn", "xyn")


def counted_filter(alias: str = "r") -> str:
    """SQL narrowing responses (alias r) or their sums rows (alias s, same column names) to those
    the scores count (excluded and open-link off)."""
    channel = "" if settings.INCLUDE_OPEN_LINK_IN_SCORES else f"AND {alias}.{R.channel} <> '{LINK}'"
    return f"{alias}.{R.excluded} = FALSE {channel}"


def counted_responses_sql() -> str:
    """SELECT of the number of responses the scores count."""
    return f"SELECT COUNT(*) FROM {R.table} r WHERE {counted_filter()}"


def span_filter(units_sql: str = "", *, alias: str = "s") -> str:
    """SQL for the responses submitted in [%s, %s) (UTC bounds of local days), of the units in
    `units_sql` (an SQL list; all when empty). Alias s (sums rows, the default): their local day
    lies between the local days of the bounds (exact: the bounds are local midnights); alias r
    (responses): their submitted_at lies between the bounds."""
    if alias == "r":
        units = f" AND r.{R.unit} IN ({units_sql})" if units_sql else ""
        return f"AND r.{R.submitted_at} >= %s AND r.{R.submitted_at} < %s{units}"
    day = dialects.current().day
    units = f" AND s.{S.unit_id} IN ({units_sql})" if units_sql else ""
    return f"AND s.{S.day} >= {day('%s')} AND s.{S.day} < {day('%s')}{units}"


def sums_missing_sql(response_filter: str = "") -> str:
    """SELECT of the number of responses (alias r, narrowed by `response_filter`) still without
    their per-response sums (overall row): not yet backfilled."""
    return (
        f"SELECT COUNT(*) FROM {R.table} r WHERE NOT EXISTS (SELECT 1 FROM {S.table} s "
        f"WHERE s.{S.response} = r.{R.id} AND s.{S.dimension_key} = 0) {response_filter}"
    )


class SumsMissing(RuntimeError):
    """Responses without their per-response sums: the rollup would undercount them."""


def sums_complete_check(cursor, response_filter: str = "", params: Sequence = ()) -> None:
    """Raise SumsMissing when responses (narrowed as in `sums_missing_sql`) lack their sums."""
    cursor.execute(sums_missing_sql(response_filter), list(params))
    missing = cursor.fetchone()[0]
    if missing:
        raise SumsMissing(
            f"{missing} responses have no per-response sums yet: run `manage.py backfill_response_sums` first"
        )


def dimension_keys() -> list[int]:
    """The dimension keys of the base rows: 0 (overall), every dimension, -1 (no dimension)."""
    return [0, *Dimension.objects.order_by("pk").values_list("pk", flat=True), -1]


def _count(condition: str) -> str:
    if not condition:
        return "CAST(COUNT(*) AS INTEGER)"
    return f"CAST(COUNT(*) FILTER (WHERE {condition}) AS INTEGER)"


def _per_response(i: int, dim: int) -> str:
    """One response's rated answers of dimension key `dim` (0 all, -1 none): x, ys, yn, dis, sv."""
    match = "" if dim == 0 else (f"q.{Q.dimension} = {dim}" if dim > 0 else f"q.{Q.dimension} IS NULL")

    def both(extra: str) -> str:
        return f"{match} AND {extra}" if match else extra

    value = f"a.{A.value}"
    total = f"SUM({value})" if not match else f"SUM({value}) FILTER (WHERE {match})"
    return (
        f"{_count(match)} AS x{i}, {_count(both(f'{value} >= 4'))} AS ys{i}, "
        f"{_count(both(f'{value} >= 3'))} AS yn{i}, {_count(both(f'{value} <= 2'))} AS dis{i}, "
        f"CAST(COALESCE({total}, 0) AS INTEGER) AS sv{i}"
    )


def _per_day(i: int) -> str:
    """The additive sums of dimension `i` over the responses of a (unit, day), cluster = response."""
    x, ys, yn = f"p.x{i}", f"p.ys{i}", f"p.yn{i}"
    return (
        f"{_count(x + ' > 0')} AS n{i}, SUM({x}) AS x{i}, SUM({ys}) AS ys{i}, SUM({yn}) AS yn{i}, "
        f"SUM(p.dis{i}) AS dis{i}, SUM(p.sv{i}) AS sv{i}, SUM({x} * {x}) AS xx{i}, "
        f"SUM({ys} * {ys}) AS yys{i}, SUM({x} * {ys}) AS xys{i}, SUM({yn} * {yn}) AS yyn{i}, "
        f"SUM({x} * {yn}) AS xyn{i}"
    )


def base_select_sql(response_filter: str = "") -> str:
    """SELECT of the DaySum rows (unit, day, procedure_key, dimension_key, sums) from the
    per-response sums: two plain GROUP BYs over one table, no join, no unpivot.

    1. per (unit, day, dimension key), procedure 0: the responses with rated answers there (n),
       Σx, Σ satisfied, Σ not dissatisfied, Σ dissatisfied, Σ values and the cluster
       cross-products Σx², Σy², Σxy (the response is the cluster; x = its rated answers);
    2. per (unit, day, procedure > 0), dimension 0: the same from the overall rows.
    The benchmark's "floor" too. `response_filter` narrows the rows (SQL on alias s, e.g.
    `span_filter()`); it appears twice, so its parameters must be given twice.
    """
    x, ys, yn = (f"CAST(s.{c} AS INTEGER)" for c in ("answers", "satisfied", "not_dissatisfied"))
    expressions = (
        "COUNT(*)",
        "SUM(s.answers)",
        "SUM(s.satisfied)",
        "SUM(s.not_dissatisfied)",
        "SUM(s.dissatisfied)",
        "SUM(s.sum_values)",
        f"SUM({x} * {x})",
        f"SUM({ys} * {ys})",
        f"SUM({x} * {ys})",
        f"SUM({yn} * {yn})",
        f"SUM({x} * {yn})",
    )
    sums = ", ".join(f"{e} AS {name}" for e, name in zip(expressions, SUMS, strict=True))
    counted = f"s.{S.answers} > 0 AND {counted_filter('s')} {response_filter}"
    unit, day, proc_key, dim_key = daysum.unit, daysum.day, daysum.procedure_key, daysum.dimension_key
    return (
        f"SELECT s.{S.unit_id} AS {unit}, s.{S.day} AS {day}, 0 AS {proc_key}, s.{S.dimension_key} AS {dim_key}, "
        f"{sums} FROM {S.table} s WHERE {counted} GROUP BY s.{S.unit_id}, s.{S.day}, s.{S.dimension_key} "
        f"UNION ALL SELECT s.{S.unit_id}, s.{S.day}, s.{S.procedure_key}, 0, {sums} FROM {S.table} s "
        f"WHERE s.{S.dimension_key} = 0 AND s.{S.procedure_key} > 0 AND {counted} "
        f"GROUP BY s.{S.unit_id}, s.{S.day}, s.{S.procedure_key}"
    )


def answers_select_sql(
    response_filter: str = "", *, dims: Sequence[int] | None = None, dialect: dialects.Dialect | None = None
) -> str:
    """SELECT of the DaySum rows (unit, day, procedure_key, dimension_key, sums) from raw answers
    (the rollup's source before issue 15: kept for the tests and the benchmark).

    Three steps in one statement, each a plain GROUP BY:
    1. per response: its rated answers counted per dimension and overall (one row a response,
       one set of columns a dimension: x, satisfied, not dissatisfied, dissatisfied, Σ values);
    2. per (unit, day): the additive sums of every dimension, the cross-products included
       (Σx², Σy², Σxy with the response as the cluster); per (unit, day, procedure): the overall ones;
    3. unpivoted into rows: (procedure 0, dimension d) and (procedure p, dimension 0).
    `response_filter` narrows the responses (SQL on alias r, e.g. `span_filter(alias="r")`); it appears twice in the statement, so its parameters must be given twice.
    `dims` (default: `dimension_keys()`) and `dialect` (default: the connection's) let the
    statement be built without a database.
    """
    sql = dialect or dialects.current()
    dims = list(dimension_keys() if dims is None else dims)
    unit, day, proc_key, dim_key = daysum.unit, daysum.day, daysum.procedure_key, daysum.dimension_key
    responses = f"SELECT r.{R.id} FROM {R.table} r WHERE {counted_filter()} {response_filter}"
    # Both steps are read twice; computed once where the database allows (dialect.materialized).
    p = (
        f"p AS {sql.materialized}(SELECT r.{R.unit} AS {unit}, {sql.day('r.' + R.submitted_at)} AS {day}, "
        f"COALESCE(r.{R.procedure}, 0) AS proc, rr.* FROM ("
        f"SELECT a.{A.response} AS rid, {', '.join(_per_response(i, d) for i, d in enumerate(dims))} "
        f"FROM {A.table} a JOIN {Q.table} q ON q.{Q.id} = a.{A.question} "
        f"WHERE a.{A.kind} = '{RATING}' AND a.{A.value} IS NOT NULL AND a.{A.response} IN ({responses}) "
        f"GROUP BY a.{A.response}) rr JOIN {R.table} r ON r.{R.id} = rr.rid"
        # The filter again on the outer side, or the planner probes every response for a few.
        + (f" WHERE TRUE {response_filter})" if response_filter else ")")
    )
    d = (
        f"d AS {sql.materialized}(SELECT p.{unit}, p.{day}, {', '.join(_per_day(i) for i in range(len(dims)))} "
        f"FROM p GROUP BY p.{unit}, p.{day})"
    )
    unpivot = sql.unpivot(
        f"d.{unit}, d.{day}, 0 AS {proc_key}",
        "d",
        dim_key,
        [(dim, [f"d.{c}{i}" for c in DAY_COLUMNS]) for i, dim in enumerate(dims)],
        SUMS,
    )
    procedures = (
        f"SELECT p.{unit}, p.{day}, p.proc, 0, COUNT(*), SUM(p.x0), SUM(p.ys0), SUM(p.yn0), SUM(p.dis0), SUM(p.sv0), "
        "SUM(p.x0 * p.x0), SUM(p.ys0 * p.ys0), SUM(p.x0 * p.ys0), SUM(p.yn0 * p.yn0), SUM(p.x0 * p.yn0) "
        f"FROM p WHERE p.proc > 0 GROUP BY p.{unit}, p.{day}, p.proc"
    )
    return f"WITH {p}, {d} {unpivot} UNION ALL {procedures}"


def daysum_insert_sql(response_filter: str = "") -> str:
    """INSERT of the DaySum rows of the responses `response_filter` narrows (see base_select_sql)."""
    keys = f"{daysum.unit}, {daysum.day}, {daysum.procedure_key}, {daysum.dimension_key}"
    return f"INSERT INTO {daysum.table} ({keys}, {', '.join(SUMS)}) " + base_select_sql(response_filter)


# --------------------------------------------------------------------------- channels

CHANNEL_SUMS = tuple(c for c in SUMS if c != "dissatisfied")


def channelday_insert_sql(response_filter: str = "") -> str:
    """INSERT of the ChannelDay rows (every channel, open links included, excluded responses left
    out) from the overall per-response sums rows `response_filter` narrows (SQL on alias s)."""
    C = channelday
    keys = f"{C.unit}, {C.day}, {C.channel}"
    x, ys, yn = (f"CAST(s.{c} AS INTEGER)" for c in ("answers", "satisfied", "not_dissatisfied"))
    return (
        f"INSERT INTO {C.table} ({keys}, {', '.join(CHANNEL_SUMS)}) "
        f"SELECT s.{S.unit_id}, s.{S.day}, s.{S.channel}, COUNT(*), SUM(s.answers), SUM(s.satisfied), "
        f"SUM(s.not_dissatisfied), SUM(s.sum_values), SUM({x} * {x}), SUM({ys} * {ys}), SUM({x} * {ys}), "
        f"SUM({yn} * {yn}), SUM({x} * {yn}) FROM {S.table} s WHERE s.{S.dimension_key} = 0 AND s.{S.answers} > 0 "
        f"AND s.{S.excluded} = FALSE {response_filter} GROUP BY s.{S.unit_id}, s.{S.day}, s.{S.channel}"
    )


def channelday_rebuild_all(cursor) -> int:
    """Every ChannelDay row from the per-response sums (inside the full run's transaction)."""
    cursor.execute(f"DELETE FROM {channelday.table}")
    cursor.execute(channelday_insert_sql())
    return cursor.rowcount


def channelday_rebuild_span(cursor, first: date, last: date, units_sql: str, bounds: list) -> None:
    """The ChannelDay rows of days first..last (and the units in `units_sql`, an SQL list, or all
    when empty) from the per-response sums; `bounds` are the UTC start and end of those local days."""
    days = [connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)]
    C = channelday
    unit_filter = f" AND {C.unit} IN ({units_sql})" if units_sql else ""
    cursor.execute(f"DELETE FROM {C.table} WHERE {C.day} >= %s AND {C.day} <= %s{unit_filter}", days)
    cursor.execute(channelday_insert_sql(span_filter(units_sql)), bounds)
