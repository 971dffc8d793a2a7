"""The rollup's generated SQL, pinned for both databases without running it.

reports/rollup builds one statement for SQLite and PostgreSQL and asks `dialect` for the pieces
that differ. These tests read the statements of both dialects (no database needed) and pin their
shape: the GROUP BY keys of each step, the tables named by the models' _meta, the dialect's own
constructs and nothing of the other's, and no vendor branching or hand-spelled table name left
in the package's modules. The figures themselves are checked by test_rollup_reference.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reports import scoring
from reports.models import CalendarDay, ChannelDay, DaySum, Score, UnitClosure
from reports.rollup import base, levels, scores, tables
from reports.rollup.dialect import for_vendor
from surveys.models import Answer, Question, Response, ResponseSum

VENDORS = ("sqlite", "postgresql")
DIMS = [0, 3, 5, 8, -1]
PACKAGE = Path(base.__file__).parent


def statement_tables(sql: str) -> set[str]:
    """The names after FROM / JOIN / INSERT INTO (CTE names and sub-selects included)."""
    return set(re.findall(r"\b(?:FROM|JOIN|INTO)\s+(?!LATERAL\b)([A-Za-z_][A-Za-z0-9_]*)", sql))


def group_bys(sql: str) -> list[str]:
    return [g.strip() for g in re.findall(r"GROUP BY ([^)]*?)(?=\)|$| UNION| ORDER| HAVING)", sql)]


# --------------------------------------------------------------------------- the base sums (issue 15)
# What the rollup reads: the per-response sums (surveys.ResponseSum), two plain GROUP BYs.


def test_base_select_reads_only_the_per_response_sums():
    sql = base.base_select_sql()
    assert statement_tables(sql) == {ResponseSum._meta.db_table}
    assert Answer._meta.db_table not in sql and Question._meta.db_table not in sql


def test_base_select_groups_per_unit_day_and_dimension_then_per_procedure():
    sql = base.base_select_sql()
    unit, day = (ResponseSum._meta.get_field(f).column for f in ("unit_id", "day"))
    assert group_bys(sql) == [f"s.{unit}, s.{day}, s.dimension_key", f"s.{unit}, s.{day}, s.procedure_key"]
    assert sql.count("UNION ALL") == 1
    assert "s.dimension_key = 0 AND s.procedure_key > 0" in sql  # procedures from the overall rows only


def test_base_select_names_the_sums_in_daysum_order():
    sql = base.base_select_sql()
    named = re.findall(r"\) AS (\w+)", sql.split(" FROM ")[0])
    assert named == list(scoring.SUM_COLUMNS)


def test_base_select_filter_appears_twice_with_its_parameters():
    sql = base.base_select_sql(base.span_filter("1,2"))
    assert sql.count("%s") == 4
    assert sql.count("s.unit_id IN (1,2)") == 2


@pytest.mark.parametrize("included", [False, True])
def test_open_link_sums_are_filtered_by_the_setting(included, settings):
    settings.INCLUDE_OPEN_LINK_IN_SCORES = included
    sql = base.base_select_sql()
    assert ("s.channel <> 'link'" in sql) is not included
    assert "s.excluded = FALSE" in sql and "s.answers > 0" in sql
    assert ("<> 'link'" in base.counted_responses_sql()) is not included


def test_channelday_insert_keeps_every_channel_and_names_its_columns_by_the_model():
    sql = base.channelday_insert_sql()
    assert sql.startswith(f"INSERT INTO {ChannelDay._meta.db_table} (unit_id, day, channel, responses, ")
    assert "<> 'link'" not in sql and "s.excluded = FALSE" in sql
    assert statement_tables(sql) == {ChannelDay._meta.db_table, ResponseSum._meta.db_table}
    assert group_bys(sql)[-1] == "s.unit_id, s.day, s.channel"


# --------------------------------------------------------------------------- the former source
# The statement over the raw answers, kept for the tests that compare both and for the benchmark.


@pytest.mark.parametrize("vendor", VENDORS)
def test_answers_select_groups_per_response_then_per_unit_and_day_then_per_procedure(vendor):
    sql = base.answers_select_sql(dims=DIMS, dialect=for_vendor(vendor))
    unit, day = DaySum._meta.get_field("unit").column, DaySum._meta.get_field("day").column
    response_fk = Answer._meta.get_field("response").column
    assert group_bys(sql) == [f"a.{response_fk}", f"p.{unit}, p.{day}", f"p.{unit}, p.{day}, p.proc"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_answers_select_reads_only_the_answer_tables_named_by_the_models(vendor):
    sql = base.answers_select_sql(dims=DIMS, dialect=for_vendor(vendor))
    answer_tables = {Response._meta.db_table, Answer._meta.db_table, Question._meta.db_table}
    assert statement_tables(sql) - {"p", "d"} == answer_tables


@pytest.mark.parametrize("vendor", VENDORS)
def test_answers_select_has_one_row_set_per_dimension_key(vendor):
    sql = base.answers_select_sql(dims=DIMS, dialect=for_vendor(vendor))
    if vendor == "postgresql":
        values = re.search(r"CROSS JOIN LATERAL \(VALUES (.*)\) v\(dimension_key, ", sql).group(1)
        assert [int(v) for v in re.findall(r"\((-?\d+), d\.n\d+", values)] == DIMS
        assert "UNION ALL" in sql and sql.count("UNION ALL") == 1  # the procedures only
    else:
        assert "LATERAL" not in sql
        assert sql.count("UNION ALL") == len(DIMS)  # one SELECT a dimension key, then procedures
        keys = re.findall(r"SELECT d\.unit_id, d\.day, 0 AS procedure_key, (-?\d+) AS dimension_key", sql)
        assert [int(k) for k in keys] == DIMS
    # Every dimension key's per-response columns, and the sums in DaySum's order.
    for i in range(len(DIMS)):
        assert f" AS x{i}," in sql and f" AS xyn{i}" in sql


@pytest.mark.parametrize("vendor", VENDORS)
def test_answers_select_computes_the_local_day_the_dialects_way(vendor, settings):
    sql = base.answers_select_sql(dims=DIMS, dialect=for_vendor(vendor))
    submitted = Response._meta.get_field("submitted_at").column
    if vendor == "postgresql":
        assert f"((r.{submitted}) AT TIME ZONE '{settings.TIME_ZONE}')::date AS day" in sql
        assert "date(" not in sql and "minutes')" not in sql
    else:
        assert f"date(r.{submitted}, '+420 minutes') AS day" in sql
        assert "AT TIME ZONE" not in sql and "::" not in sql


@pytest.mark.parametrize("vendor", VENDORS)
def test_answers_select_materialized_steps_and_filter_parameters(vendor):
    sql = base.answers_select_sql(base.span_filter("1,2", alias="r"), dims=DIMS, dialect=for_vendor(vendor))
    assert "p AS MATERIALIZED (" in sql and "d AS MATERIALIZED (" in sql
    # The response filter appears twice (inner and outer side): its parameters are given twice.
    assert sql.count("%s") == 4
    assert sql.count("r.unit_id IN (1,2)") == 2


@pytest.mark.parametrize("included", [False, True])
def test_answers_select_filters_open_links_by_the_setting(included, settings):
    settings.INCLUDE_OPEN_LINK_IN_SCORES = included
    sql = base.answers_select_sql(dims=DIMS, dialect=for_vendor("sqlite"))
    assert ("r.channel <> 'link'" in sql) is not included
    assert "r.excluded = FALSE" in sql
    assert ("<> 'link'" in base.counted_responses_sql()) is not included


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("scope,period_type", levels.LEVELS)
def test_finished_rows_group_per_key_and_find_the_period_before_in_the_calendar(vendor, scope, period_type):
    sql = scores.finished_sql("SELECT 1", scope, period_type, "1 = 1", dialect=for_vendor(vendor))
    assert "GROUP BY s.unit_id, s.period_start, s.dim, s.proc" in sql
    assert "PARTITION BY f.unit_id, f.dim, f.proc ORDER BY f.period_start" in sql
    calendar = CalendarDay._meta.db_table
    if vendor == "postgresql":
        assert f"LEFT JOIN {calendar} pc ON pc.day = (w.period_start - 1)" in sql
        assert "CAST(SUM(CAST(s.sum_x2 AS DOUBLE PRECISION)) AS BIGINT) AS sum_x2" in sql
    else:
        assert f"LEFT JOIN {calendar} pc ON pc.day = date(w.period_start, '-1 day')" in sql
        assert "SUM(s.sum_x2) AS sum_x2" in sql and "CAST(SUM(CAST(" not in sql
    # One output column per Score column written, computed_at last (a parameter).
    assert sql.count("%s") == 1 and f"'{period_type}'" in sql
    if scope == "own":
        assert "HAVING COUNT(*) = 1" in sql  # lone units' own rows are stored once, as "both"


@pytest.mark.parametrize("scope,period_type", levels.LEVELS)
def test_level_sources_read_daysum_or_finer_scores_through_model_tables(scope, period_type):
    daysum, score = DaySum._meta.db_table, Score._meta.db_table
    closure, calendar = UnitClosure._meta.db_table, CalendarDay._meta.db_table
    days = levels.day_source(daysum, scope, period_type)
    assert statement_tables(days) == {daysum} | ({closure} if scope == "subtree" else set()) | (
        {calendar} if period_type != "day" else set()
    )
    assert ("UNION ALL" in days) is (period_type == "month")  # procedures: months only
    if scope == "subtree" or period_type in ("quarter", "year"):
        finer = levels.score_source(scope, period_type)
        assert statement_tables(finer) == {score, closure if scope == "subtree" else calendar}


def test_score_columns_come_from_the_model_in_insert_order():
    model_columns = {f.column for f in Score._meta.concrete_fields}
    assert set(tables.SCORE_COLUMNS) <= model_columns
    assert tables.SCORE_COLUMNS[:6] == (
        "unit_id",
        "scope",
        "dimension_id",
        "procedure_id",
        "period_type",
        "period_start",
    )
    assert tables.SCORE_COLUMNS[-1] == "computed_at"


def test_the_sums_are_columns_of_daysum_score_and_channelday():
    for model in (DaySum, Score):
        assert set(scoring.SUM_COLUMNS) <= {f.column for f in model._meta.concrete_fields}, model
    assert set(base.CHANNEL_SUMS) <= {f.column for f in ChannelDay._meta.concrete_fields}


def test_no_module_but_the_dialect_branches_on_the_database_vendor():
    for path in PACKAGE.glob("*.py"):
        code = path.read_text()
        if path.name != "dialect.py":
            assert "connection.vendor" not in code and '"postgresql"' not in code, path.name


def test_no_module_of_the_rollup_spells_an_app_table_by_hand():
    for path in PACKAGE.glob("*.py"):
        assert not re.search(r"\b(?:surveys|reports|agencies)_[a-z]", path.read_text()), path.name


def test_every_module_of_the_rollup_reads_in_one_sitting():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) < 500, path.name
