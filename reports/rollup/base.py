"""The base sums: what the rollup reads from the citizens' answers, and nothing else does.

This module is the single place where the source of the base sums is defined. Every other step
of the rollup reads DaySum (or ChannelDay, or finer Score rows), never the answers:
- DaySum: one row per (unit, local day, procedure key, dimension key) with the additive sums
  (scoring.SUM_COLUMNS) — `base_select_sql`, written by `daysum_insert_sql`;
- ChannelDay: the overall sums per (unit, local day, channel) — `channelday_rebuild_all/_span`;
- the count of responses a run saw — `counted_responses_sql`.

Rules (DESIGN.md, Scoring method): excluded responses count nowhere; open-link answers count
only with settings.INCLUDE_OPEN_LINK_IN_SCORES (ChannelDay keeps them, reported apart);
"not applicable" (NULL) ratings count nowhere; a rated answer to a question without a dimension
counts in the overall figure only (dimension key -1, logged by the run).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import connection

from surveys.models import Dimension, QuestionKind, Response

from . import dialect as dialects
from .tables import SUMS, answer, channelday, daysum, question, response

R, A, Q = response, answer, question
RATING = QuestionKind.RATING.value
LINK = Response.Channel.LINK.value
# The per-response and per-day columns of one dimension: x (rated answers), ys (4–5), yn (3–5),
# dis (1–2), sv (Σ values), n (responses), and the cross-products of the cluster sums.
DAY_COLUMNS = ("n", "x", "ys", "yn", "dis", "sv", "xx", "yys", "xys", "yyn", "xyn")


def counted_filter() -> str:
    """SQL (alias r) narrowing responses to those the scores count (excluded and open-link off)."""
    channel = "" if settings.INCLUDE_OPEN_LINK_IN_SCORES else f"AND r.{R.channel} <> '{LINK}'"
    return f"r.{R.excluded} = FALSE {channel}"


def counted_responses_sql() -> str:
    """SELECT of the number of responses the scores count."""
    return f"SELECT COUNT(*) FROM {R.table} r WHERE {counted_filter()}"


def span_filter(units_sql: str = "") -> str:
    """SQL (alias r) for the responses submitted in [%s, %s) (UTC bounds of local days), of the
    units in `units_sql` (an SQL list; all when empty)."""
    units = f" AND r.{R.unit} IN ({units_sql})" if units_sql else ""
    return f"AND r.{R.submitted_at} >= %s AND r.{R.submitted_at} < %s{units}"


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


def base_select_sql(
    response_filter: str = "", *, dims: Sequence[int] | None = None, dialect: dialects.Dialect | None = None
) -> str:
    """SELECT of the DaySum rows (unit, day, procedure_key, dimension_key, sums) from raw answers.

    Three steps in one statement, each a plain GROUP BY:
    1. per response: its rated answers counted per dimension and overall (one row a response,
       one set of columns a dimension: x, satisfied, not dissatisfied, dissatisfied, Σ values);
    2. per (unit, day): the additive sums of every dimension, the cross-products included
       (Σx², Σy², Σxy with the response as the cluster); per (unit, day, procedure): the overall ones;
    3. unpivoted into rows: (procedure 0, dimension d) and (procedure p, dimension 0).
    Also the benchmark's "floor". `response_filter` narrows the responses (SQL on alias r, e.g.
    `span_filter()`); it appears twice in the statement, so its parameters must be given twice.
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


def channelday_insert_sql(response_filter: str = "", *, dialect: dialects.Dialect | None = None) -> str:
    """INSERT of the ChannelDay rows (every channel, open links and excluded-free) of the
    responses `response_filter` narrows (SQL on alias r)."""
    sql = dialect or dialects.current()
    C = channelday
    keys = f"{C.unit}, {C.day}, {C.channel}"
    return (
        f"INSERT INTO {C.table} ({keys}, {', '.join(CHANNEL_SUMS)}) "
        f"WITH p AS (SELECT r.{R.unit} AS unit_id, {sql.day('r.' + R.submitted_at)} AS day, r.{R.channel} AS channel, "
        f"COUNT(*) AS x, COUNT(*) FILTER (WHERE a.{A.value} >= 4) AS ys, "
        f"COUNT(*) FILTER (WHERE a.{A.value} >= 3) AS yn, SUM(a.{A.value}) AS sv "
        f"FROM {A.table} a JOIN {R.table} r ON r.{R.id} = a.{A.response} "
        f"WHERE a.{A.kind} = '{RATING}' AND a.{A.value} IS NOT NULL AND r.{R.excluded} = FALSE {response_filter} "
        f"GROUP BY r.{R.id}, r.{R.unit}, r.{R.submitted_at}, r.{R.channel}) "
        "SELECT p.unit_id, p.day, p.channel, COUNT(*), SUM(p.x), SUM(p.ys), SUM(p.yn), SUM(p.sv), SUM(p.x * p.x), "
        "SUM(p.ys * p.ys), SUM(p.x * p.ys), SUM(p.yn * p.yn), SUM(p.x * p.yn) FROM p GROUP BY p.unit_id, p.day, p.channel"
    )


def channelday_rebuild_all(cursor) -> int:
    """Every ChannelDay row from the answers (inside the full run's transaction)."""
    cursor.execute(f"DELETE FROM {channelday.table}")
    cursor.execute(channelday_insert_sql())
    return cursor.rowcount


def channelday_rebuild_span(cursor, first: date, last: date, units_sql: str, bounds: list) -> None:
    """The ChannelDay rows of days first..last (and the units in `units_sql`, an SQL list, or all
    when empty) from the answers; `bounds` are the UTC start and end of those local days."""
    days = [connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)]
    C = channelday
    unit_filter = f" AND {C.unit} IN ({units_sql})" if units_sql else ""
    cursor.execute(f"DELETE FROM {C.table} WHERE {C.day} >= %s AND {C.day} <= %s{unit_filter}", days)
    cursor.execute(channelday_insert_sql(span_filter(units_sql)), bounds)
