"""The rollup: answers become Score rows — in the database, incrementally, idempotently.

Rules this package protects (DESIGN.md, Scoring method; issue 5):
- Heavy lifting is SQL. Answers are never loaded into Python: the database builds the additive
  per-day sums (DaySum) from the per-response sums (written with the answers), every Score row is written by an
  INSERT … SELECT over DaySum or over finer Score rows (months → quarters → years, own →
  subtree through the UnitClosure table), and its figures (index, interval, change and its
  test) are finished by SQL expressions that mirror `scoring` operation for operation.
- Excluded responses count nowhere; open-link answers count only with
  settings.INCLUDE_OPEN_LINK_IN_SCORES; "not applicable" (NULL) ratings count nowhere; a rated
  answer to a question without a dimension counts in the overall figure only (and is logged).
- Incremental runs cost what changed, not the length of the history, and equal a full recompute
  exactly; running twice changes nothing. One rollup at a time; each run is one transaction.

The modules, in the order a run meets them:
  run.py      the run: lock, mode, watermark, RollupRun record, method settings, errors
  lock.py     one rollup at a time (PostgreSQL advisory lock, SQLite file lock)
  closure.py  the unit closure (tree + full successions) and the calendar
  keys.py     the (unit, day) keys an incremental run recomputes; dirty keys
  modes.py    full, incremental and window runs
  base.py     the base sums from the per-response sums (DaySum, ChannelDay): their only source
  levels.py   the levels of Score rows and the source of each one's sums
  scores.py   finished Score rows (figures in SQL, intervals in numpy)
  swap.py     PostgreSQL: full runs build *_next tables and swap them in
  dialect.py  every SQLite/PostgreSQL difference
  tables.py   table and column names, from Model._meta
"""

from .base import base_select_sql
from .lock import ADVISORY_LOCK_KEY, RollupBusy, rollup_lock
from .run import (
    METHOD_VERSION,
    RollupMethodChanged,
    RollupWindowError,
    current_method,
    method_differences,
    rollup_run,
    stored_method,
)

__all__ = [
    "ADVISORY_LOCK_KEY",
    "METHOD_VERSION",
    "RollupBusy",
    "RollupMethodChanged",
    "RollupWindowError",
    "base_select_sql",
    "current_method",
    "method_differences",
    "rollup_lock",
    "rollup_run",
    "stored_method",
]
