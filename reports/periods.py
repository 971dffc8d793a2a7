"""Reporting periods (kỳ báo cáo): calendar days, months, quarters and years of local dates.

Pure date arithmetic, no database and no clock: callers pass the day (`timezone.localdate()` in a
request, a row's date in the rollup). The one place where periods are computed; scoring, the
rollup, forms, views and exports all use it.

Rules protected here:
- a period starts on its first day (the 1st of a month, of January/April/July/October, of
  January) and `end` is its last day; `containing(t, d)` is the one period of type t with
  start ≤ d ≤ end;
- `next()` starts the day after `end`; `previous()` ends the day before `start`; both are
  inverses of each other;
- keys: `2025-10` (month), `2025-Q3` (quarter), `2025` (year); `parse(p.key) == p` for every
  month, quarter and year from 2000 to 2100, and `parse` returns None for anything else (days
  are computed, never typed: their key is the ISO date and `parse` does not read it).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

DAY, MONTH, QUARTER, YEAR = "day", "month", "quarter", "year"
PERIOD_TYPES = (DAY, MONTH, QUARTER, YEAR)
# The periods people choose in pickers and URLs; days exist for the rollup only.
REPORTING_TYPES = (MONTH, QUARTER, YEAR)
_MONTHS = {MONTH: 1, QUARTER: 3, YEAR: 12}
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a typed key may name

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def _check(period_type: str) -> str:
    if period_type not in PERIOD_TYPES:
        raise ValueError(f"unknown period type {period_type!r}")
    return str(period_type)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` months after `day`'s month (before it when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, period_type: str) -> date:
    """The first day of the period of `period_type` that contains `day`."""
    if _check(period_type) == DAY:
        return day
    if period_type == MONTH:
        return day.replace(day=1)
    if period_type == QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_period_start(start: date, period_type: str) -> date:
    """The start of the period after the one starting at `start`."""
    if _check(period_type) == DAY:
        return start + timedelta(days=1)
    return add_months(start, _MONTHS[period_type])


def previous_period_start(start: date, period_type: str) -> date:
    """The start of the period before the one starting at `start`."""
    if _check(period_type) == DAY:
        return start - timedelta(days=1)
    return add_months(start, -_MONTHS[period_type])


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its type and first day. Keyed `2025-10`, `2025-Q3`, `2025` (a day: `2025-10-03`).

    The type is stored as a plain string ("month"), so that a Period made from a database row and
    one made from `PeriodType.MONTH` are equal and hash alike.
    """

    type: str
    start: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", _check(self.type))

    @classmethod
    def parse(cls, key: str | None) -> Period | None:
        """The period a key names, or None for anything that is not a well-formed key of a plausible year."""
        key = (key or "").strip()
        if m := _MONTH_RE.match(key):
            year, month = int(m[1]), int(m[2])
            if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR:
                return cls(MONTH, date(year, month, 1))
        elif m := _QUARTER_RE.match(key):
            year, quarter = int(m[1]), int(m[2])
            if FIRST_YEAR <= year <= LAST_YEAR:
                return cls(QUARTER, date(year, 3 * quarter - 2, 1))
        elif m := _YEAR_RE.match(key):
            year = int(m[1])
            if FIRST_YEAR <= year <= LAST_YEAR:
                return cls(YEAR, date(year, 1, 1))
        return None

    @classmethod
    def containing(cls, period_type: str, day: date) -> Period:
        """The period of `period_type` that `day` falls in."""
        return cls(period_type, period_start(day, period_type))

    @property
    def key(self) -> str:
        if self.type == YEAR:
            return f"{self.start.year}"
        if self.type == QUARTER:
            return f"{self.start.year}-Q{self.quarter}"
        if self.type == DAY:
            return self.start.isoformat()
        return f"{self.start:%Y-%m}"

    @property
    def quarter(self) -> int:
        """The quarter (1–4) the period starts in."""
        return (self.start.month - 1) // 3 + 1

    @property
    def label(self) -> str:
        if self.type == YEAR:
            return _("year %(year)s") % {"year": self.start.year}
        if self.type == QUARTER:
            return _("quarter %(quarter)s/%(year)s") % {"quarter": self.quarter, "year": self.start.year}
        if self.type == DAY:
            return f"{self.start:%d/%m/%Y}"
        return _("month %(month)s/%(year)s") % {"month": self.start.month, "year": self.start.year}

    @property
    def months(self) -> int:
        """Calendar months the period spans (0 for a day)."""
        return _MONTHS.get(self.type, 0)

    @property
    def end(self) -> date:
        """The last day of the period."""
        if self.type == DAY:
            return self.start
        last_month = add_months(self.start, self.months - 1)
        return date(last_month.year, last_month.month, calendar.monthrange(last_month.year, last_month.month)[1])

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return Period(self.type, previous_period_start(self.start, self.type))

    def next(self) -> Period:
        return Period(self.type, next_period_start(self.start, self.type))

    def shifted(self, count: int) -> Period:
        """The period `count` periods later (earlier when negative)."""
        if self.type == DAY:
            return Period(DAY, self.start + timedelta(days=count))
        return Period(self.type, add_months(self.start, count * self.months))

    def __str__(self) -> str:
        return self.key


def recent(period_type: str, today: date, count: int) -> list[Period]:
    """The `count` periods of `period_type` up to the one containing `today`, newest first."""
    current = Period.containing(period_type, today)
    return [current.shifted(-i) for i in range(count)]


def period_choices(today: date, around: Period | None = None) -> list[tuple[str, str]]:
    """Periods offered in the pickers: the last 24 months, 8 quarters and 5 years, newest first
    (plus `around`, the period being shown, when it is older)."""
    periods = recent(MONTH, today, 24) + recent(QUARTER, today, 8) + recent(YEAR, today, 5)
    if around is not None and around not in periods:
        periods.append(around)
    return [(p.key, p.label) for p in periods]
