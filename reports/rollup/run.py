"""The run: one rollup at a time, its mode, its watermark, its RollupRun record, its method.

- One rollup at a time (lock.py). Each run changes DaySum and Score in one transaction: a run
  that dies leaves the previous scores, is marked failed (by itself or by the next run), and the
  next run starts again from the last successful watermark.
- `incremental` recomputes the keys of responses changed since the last successful watermark
  (minus settings.ROLLUP_WATERMARK_OVERLAP_SECONDS for transactions that commit late); it runs in
  full when there is no watermark yet, when the unit closure changed, or when the method
  settings differ from those of the stored scores. `window` recomputes every unit's local days
  since..until and refuses to run under another method than the stored scores'.
- Every run records the method settings it computed under (`current_method`).
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import scoring
from ..models import RollupRun
from . import modes
from .closure import closure_sync
from .dialect import city_zone
from .lock import rollup_lock

logger = logging.getLogger(__name__)

# Bumped whenever the rules that turn answers into figures change (not the settings, which are
# recorded on their own): 2 = Korn–Graubard intervals, change only between trustworthy periods.
METHOD_VERSION = "2"


class RollupWindowError(ValueError):
    """The requested window is empty or inverted."""


class RollupMethodChanged(ValueError):
    """A window run was asked for under other method settings than those of the stored scores."""


def current_method() -> dict:
    """The settings that shape every stored figure, as each RollupRun records them."""
    return {
        "include_open_link": bool(settings.INCLUDE_OPEN_LINK_IN_SCORES),
        "min_responses": int(settings.MIN_RESPONSES_FOR_RANKING),
        "interval_method": scoring.interval_method(),
        "method_version": METHOD_VERSION,
    }


def stored_method() -> dict | None:
    """The method of the scores in the database: that of the last successful run (every run under
    other settings than its predecessor's is a full one, so all rows share it). None before any."""
    run = RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED).order_by("-started_at", "-pk").first()
    if run is None:
        return None
    return {key: getattr(run, key) for key in current_method()}


def method_differences(stored: dict | None, wanted: dict) -> list[str]:
    """What changed between two methods, one 'name: old → new' a setting."""
    if stored is None:
        return []
    return [f"{key}: {stored[key]} → {wanted[key]}" for key in wanted if stored.get(key) != wanted[key]]


def rollup_run(
    *,
    mode: str = RollupRun.Mode.INCREMENTAL,
    since: date | None = None,
    until: date | None = None,
    lock_wait: float | None = None,
) -> RollupRun:
    """Run the rollup now and return its RollupRun record.

    `incremental`: the keys touched since the last successful watermark (a full recompute when
    there is none yet, or when the unit tree or a succession changed). `full`: everything from
    the answers. `window`: every unit for the local days since..until (both included).
    Raises RollupBusy when another run holds the lock longer than `lock_wait` seconds.
    """
    if mode == RollupRun.Mode.WINDOW:
        if since is None and until is None:
            raise RollupWindowError("a window needs --since or --until")
        if since and until and since > until:
            raise RollupWindowError(f"the window is inverted: {since} is after {until}")
    if lock_wait is None:
        lock_wait = 600.0 if mode == RollupRun.Mode.FULL else 30.0
    with rollup_lock(lock_wait):
        return _run_locked(mode=mode, since=since, until=until)


def _run_locked(*, mode: str, since: date | None, until: date | None) -> RollupRun:
    started = time.monotonic()
    # We hold the lock: a run still marked "running" died without finishing.
    RollupRun.objects.filter(status=RollupRun.Status.RUNNING).update(
        status=RollupRun.Status.FAILED, finished_at=timezone.now(), error="interrupted (found running by a later run)"
    )
    watermark = timezone.now()
    method = current_method()
    changed = method_differences(stored_method(), method)
    if changed and mode == RollupRun.Mode.WINDOW:
        raise RollupMethodChanged(
            "the method settings changed since the stored scores were computed ("
            + "; ".join(changed)
            + "): run `rollup --full`"
        )
    run = RollupRun.objects.create(mode=mode, status=RollupRun.Status.RUNNING, **method)
    if changed and mode == RollupRun.Mode.INCREMENTAL:
        logger.warning("rollup: method settings changed (%s); recomputing everything", "; ".join(changed))
        mode = run.mode = RollupRun.Mode.FULL
    stats = {"responses": 0, "keys": 0, "written": 0}
    try:
        with transaction.atomic():
            # One transaction with the recompute a closure change forces: a failed run leaves the
            # closure and the scores as they were, so which units keep a single "both" row set
            # and which have subtree rows always matches the closure of record.
            _run_mode(run, mode, since, until, watermark, stats)
    except Exception as exc:
        run.status = RollupRun.Status.FAILED
        run.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        _finish(run, stats)
        logger.exception("rollup %s failed", run.mode)
        raise
    run.status = RollupRun.Status.SUCCEEDED
    _finish(run, stats)
    logger.info(
        "rollup %s: %s responses, %s keys, %s scores in %.2fs",
        run.mode,
        stats["responses"],
        stats["keys"],
        stats["written"],
        time.monotonic() - started,
    )
    return run


def _finish(run: RollupRun, stats: dict) -> None:
    run.finished_at = timezone.now()
    run.responses_seen, run.keys_recomputed, run.scores_written = stats["responses"], stats["keys"], stats["written"]
    run.save()


def _run_mode(
    run: RollupRun, mode: str, since: date | None, until: date | None, watermark: datetime, stats: dict
) -> None:
    """The run's work (inside its transaction): the closure first, then the mode's recompute."""
    closure_changed = closure_sync()
    last = (
        RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED, watermark__isnull=False)
        .order_by("-watermark")
        .values_list("watermark", flat=True)
        .first()
    )
    if mode == RollupRun.Mode.INCREMENTAL and (last is None or closure_changed):
        mode = run.mode = RollupRun.Mode.FULL
    if mode == RollupRun.Mode.FULL:
        modes.full(stats)
        run.watermark = watermark
    elif mode == RollupRun.Mode.WINDOW:
        tz = city_zone()
        run.since = datetime.combine(since, datetime.min.time(), tz) if since else None
        run.until = datetime.combine(until + timedelta(days=1), datetime.min.time(), tz) if until else None
        modes.window(since, until, stats)
        if closure_changed:
            modes.all_scores(stats)
    else:
        overlap = timedelta(seconds=getattr(settings, "ROLLUP_WATERMARK_OVERLAP_SECONDS", 600))
        run.since = last - overlap
        modes.incremental(run.since, stats)
        run.watermark = watermark
