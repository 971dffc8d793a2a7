"""Reporting periods (reports.periods): one module computes every period; its rules, as properties.

The period arithmetic used to exist twice (scoring's start/next/previous and the selectors'
Period); both are this module now, so these tests pin what scoring, the rollup, forms and views
rely on.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reports import periods
from reports.models import PeriodType
from reports.periods import Period

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
reporting_types = st.sampled_from(periods.REPORTING_TYPES)
all_types = st.sampled_from(periods.PERIOD_TYPES)


@pytest.mark.parametrize(
    ("day", "kind", "start", "previous", "following"),
    [
        (date(2025, 3, 1), "day", date(2025, 3, 1), date(2025, 2, 28), date(2025, 3, 2)),
        (date(2024, 2, 29), "month", date(2024, 2, 1), date(2024, 1, 1), date(2024, 3, 1)),
        (date(2025, 1, 15), "month", date(2025, 1, 1), date(2024, 12, 1), date(2025, 2, 1)),
        (date(2025, 12, 31), "quarter", date(2025, 10, 1), date(2025, 7, 1), date(2026, 1, 1)),
        (date(2025, 2, 10), "quarter", date(2025, 1, 1), date(2024, 10, 1), date(2025, 4, 1)),
        (date(2025, 7, 1), "year", date(2025, 1, 1), date(2024, 1, 1), date(2026, 1, 1)),
    ],
)
def test_periods(day, kind, start, previous, following):
    assert periods.period_start(day, kind) == start
    assert periods.previous_period_start(start, kind) == previous
    assert periods.next_period_start(start, kind) == following


def test_unknown_period_type_is_refused():
    with pytest.raises(ValueError):
        periods.period_start(date(2025, 1, 1), "week")


@given(kind=reporting_types, day=days)
def test_a_key_parses_back_to_its_period(kind, day):
    period = Period.containing(kind, day)
    assert Period.parse(period.key) == period
    assert Period.parse(f"  {period.key.lower()} ") == period  # "2025-q3" and spaces, as typed


@given(kind=all_types, day=days)
def test_the_containing_period_contains_the_day_and_no_other_period_of_its_type_does(kind, day):
    period = Period.containing(kind, day)
    assert period.start == periods.period_start(day, kind)
    assert period.contains(day) and period.start <= day <= period.end
    assert not period.previous().contains(day) and not period.next().contains(day)
    assert Period.containing(kind, period.start) == period == Period.containing(kind, period.end)


@given(kind=all_types, day=days)
def test_next_starts_the_day_after_the_end_and_previous_undoes_it(kind, day):
    period = Period.containing(kind, day)
    assert period.next().start == period.end + timedelta(days=1)
    assert period.previous().end == period.start - timedelta(days=1)
    assert period.next().previous() == period == period.previous().next()
    assert periods.next_period_start(period.start, kind) == period.next().start
    assert periods.previous_period_start(period.start, kind) == period.previous().start


@given(kind=all_types, day=days, count=st.integers(-40, 40))
def test_shifting_is_repeated_next_or_previous(kind, day, count):
    period = expected = Period.containing(kind, day)
    for _ in range(abs(count)):
        expected = expected.next() if count > 0 else expected.previous()
    assert period.shifted(count) == expected


@given(day=days)
def test_month_quarter_and_year_boundaries(day):
    month, quarter, year = (Period.containing(k, day) for k in ("month", "quarter", "year"))
    assert month.start == date(day.year, day.month, 1) and month.end.month == day.month
    assert (month.end + timedelta(days=1)).day == 1
    assert quarter.start.month in (1, 4, 7, 10) and quarter.start.day == 1
    assert quarter.end == Period.containing("month", quarter.start).shifted(2).end
    assert quarter.key == f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    assert (year.start, year.end, year.key) == (date(day.year, 1, 1), date(day.year, 12, 31), str(day.year))
    # Each coarser period is made of whole finer ones.
    assert year.start <= quarter.start <= month.start <= day <= month.end <= quarter.end <= year.end
    assert (month.end - month.start).days + 1 in (28, 29, 30, 31)
    assert (quarter.end - quarter.start).days + 1 in (90, 91, 92)
    assert (year.end - year.start).days + 1 in (365, 366)


@given(text=st.text(max_size=12))
def test_parse_returns_a_well_formed_period_or_none(text):
    period = Period.parse(text)
    assert period is None or (period.type in periods.REPORTING_TYPES and Period.parse(period.key) == period)


@pytest.mark.parametrize("bad", ["", "2025-13", "2025-00", "2025-Q5", "1999", "2101-01", "25-10", "2025-10-03", "x"])
def test_bad_keys_are_refused(bad):
    assert Period.parse(bad) is None


def test_a_period_made_from_a_choice_equals_one_made_from_a_row():
    """PeriodType.MONTH and "month" name the same period: equal, same hash, same key."""
    a, b = Period(PeriodType.MONTH, date(2025, 10, 1)), Period("month", date(2025, 10, 1))
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1 and type(a.type) is str


def test_labels_are_translated():
    with translation.override("vi"):
        assert Period.parse("2025-Q3").label != Period.parse("2025-Q3").key
    with translation.override("en"):
        assert Period.parse("2025-Q3").label == "quarter 3/2025"
        assert Period.parse("2025-10").label == "month 10/2025"
        assert Period.parse("2025").label == "year 2025"


def test_period_choices_offer_24_months_8_quarters_and_5_years_newest_first():
    choices = periods.period_choices(date(2026, 2, 14))
    keys = [key for key, _label in choices]
    assert keys[:2] == ["2026-02", "2026-01"] and keys[23] == "2024-03"
    assert keys[24:32] == ["2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "2024-Q4", "2024-Q3", "2024-Q2"]
    assert keys[32:] == ["2026", "2025", "2024", "2023", "2022"]
    older = Period.parse("2019-05")
    assert periods.period_choices(date(2026, 2, 14), older)[-1][0] == "2019-05"
    assert len(periods.period_choices(date(2026, 2, 14), Period.parse("2026-01"))) == 37  # already offered
