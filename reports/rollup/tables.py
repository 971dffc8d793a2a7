"""The tables and columns the rollup's SQL reads and writes, named by the models.

Invariant: no table name and no key column is spelled by hand in the rollup's statements; they
come from `Model._meta` here. The additive sums (scoring.SUM_COLUMNS) are the same field names on
DaySum, Score and ChannelDay (pinned by reports/tests/test_rollup_sql_shape.py).
"""

from __future__ import annotations

from types import SimpleNamespace

from surveys.models import Answer, Question, Response, ResponseSum

from .. import scoring
from ..models import CalendarDay, ChannelDay, DaySum, RollupDirtyKey, Score, UnitClosure

SUMS = scoring.SUM_COLUMNS


def columns(model, *fields: str) -> SimpleNamespace:
    """The column of each field of `model` (a foreign key `unit` → `unit_id`), plus its table."""
    meta = model._meta
    return SimpleNamespace(table=meta.db_table, **{f: meta.get_field(f).column for f in fields})


response = columns(Response, "id", "unit", "procedure", "submitted_at", "changed_at", "excluded", "channel")
answer = columns(Answer, "response", "question", "kind", "value")
question = columns(Question, "id", "dimension")
# The per-response sums (issue 15): what the base sums are built from.
response_sum = columns(
    ResponseSum, "response", "dimension_key", "unit_id", "day", "procedure_key", "channel", "excluded", "answers"
)
daysum = columns(DaySum, "id", "unit", "day", "procedure_key", "dimension_key")
channelday = columns(ChannelDay, "unit", "day", "channel")
score = columns(Score, "id", "unit", "scope", "dimension", "procedure", "period_type", "period_start", "computed_at")
calendar = columns(CalendarDay, "day", "period_type", "period_start")
closure = columns(UnitClosure, "ancestor", "descendant")
dirty = columns(RollupDirtyKey, "id", "unit_id", "submitted_at")

SCORE_NEXT = f"{score.table}_next"
DAYSUM_NEXT = f"{daysum.table}_next"

# The columns every finished Score row is written with, in the order of scores.finished_sql.
FIGURES = (
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
SCORE_COLUMNS = (
    score.unit,
    score.scope,
    score.dimension,
    score.procedure,
    score.period_type,
    score.period_start,
    *(Score._meta.get_field(f).column for f in (*SUMS, *FIGURES)),
    score.computed_at,
)
# The sums the 95% intervals are computed from (scores.finish_intervals), in its order.
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
