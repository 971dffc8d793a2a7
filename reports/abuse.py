"""Abuse handling: bursts and identical answer patterns are flagged for review, never silently dropped.

Rules protected:
- a burst (at least ABUSE_BURST_COUNT answers within ABUSE_BURST_MINUTES from one client hash at one
  unit; ABUSE_KIOSK_BURST_COUNT within ABUSE_KIOSK_BURST_MINUTES from one kiosk) or a run of identical
  answer sets (at least ABUSE_IDENTICAL_COUNT with the same answers and comment for one survey version
  at one unit within ABUSE_IDENTICAL_MINUTES) becomes one `ReviewFlag` holding the batch;
- flagged responses keep counting until a person decides: detection changes no score;
- detection is idempotent: run again over the same answers it adds nothing; a flag still open grows
  with later answers of the same burst; a resolved flag is not raised again by a few stragglers;
- only an administrator of the flag's unit may exclude the whole batch, in one action, through the
  moderation service (each response audited like a single exclusion, one rollup for all); a manager
  may dismiss a flag with a note. Both are in the audit log.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.permissions import can_administer, can_manage, is_administrator, manageable_units
from surveys.models import Answer, Response

from . import moderation
from .audit_actions import AuditAction
from .models import ReviewFlag
from .queueing import queue_rollup

logger = logging.getLogger(__name__)

Kind = ReviewFlag.Kind


@dataclass(frozen=True)
class Rule:
    kind: str
    count: int
    window: timedelta


def rules() -> list[Rule]:
    """The thresholds, from settings (env-configurable)."""
    return [
        Rule(Kind.BURST_CLIENT, settings.ABUSE_BURST_COUNT, timedelta(minutes=settings.ABUSE_BURST_MINUTES)),
        Rule(Kind.BURST_KIOSK, settings.ABUSE_KIOSK_BURST_COUNT, timedelta(minutes=settings.ABUSE_KIOSK_BURST_MINUTES)),
        Rule(Kind.IDENTICAL, settings.ABUSE_IDENTICAL_COUNT, timedelta(minutes=settings.ABUSE_IDENTICAL_MINUTES)),
    ]


def bursts(times: list[datetime], count: int, window: timedelta) -> list[tuple[int, int]]:
    """Index ranges [i, j] of sorted `times` where every member lies in some `window` holding `count` or more.

    Overlapping dense windows are merged into one batch; a quiet gap splits batches.
    """
    marked = [False] * len(times)
    j = 0
    for i in range(len(times)):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] - times[i] <= window:
            j += 1
        if j - i + 1 >= count:
            for k in range(i, j + 1):
                marked[k] = True
    runs: list[tuple[int, int]] = []
    start = None
    for k, flag in enumerate(marked):
        if start is not None and (not flag or times[k] - times[k - 1] > window):
            runs.append((start, k - 1))
            start = None
        if flag and start is None:
            start = k
    if start is not None:
        runs.append((start, len(times) - 1))
    return runs


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _signatures(response_ids: list[int]) -> dict[int, str]:
    """One digest per response of its answers (question, value, choice, text); the comment is added by the caller."""
    answers: dict[int, list[tuple]] = defaultdict(list)
    for chunk_start in range(0, len(response_ids), 2000):
        chunk = response_ids[chunk_start : chunk_start + 2000]
        rows = Answer.objects.filter(response_id__in=chunk).values_list(
            "response_id", "question_id", "value", "choice_id", "text"
        )
        for response_id, *rest in rows:
            answers[response_id].append(tuple(rest))
    return {rid: _digest(*sorted(answers.get(rid, []), key=repr)) for rid in response_ids}


@dataclass
class Batch:
    kind: str
    key: str
    unit_id: int
    kiosk_id: int | None
    ids: list[int]
    first: datetime
    last: datetime


def _candidate_batches(since: datetime) -> list[Batch]:
    rows = list(
        Response.objects.filter(submitted_at__gte=since, excluded=False)
        .order_by("submitted_at", "id")
        .values_list("id", "unit_id", "version_id", "channel", "kiosk_id", "client_hash", "comment", "submitted_at")
    )
    by_rule = {rule.kind: rule for rule in rules()}
    groups: dict[tuple[str, str, int], list[tuple]] = defaultdict(list)
    for row in rows:
        rid, unit_id, _version, channel, kiosk_id, client_hash, _comment, at = row
        if not client_hash:
            continue
        kind = Kind.BURST_KIOSK if channel == Response.Channel.KIOSK else Kind.BURST_CLIENT
        groups[(kind, _digest(kind, client_hash), unit_id)].append((rid, at, kiosk_id))
    # Identical patterns: only versions and units with enough answers in the lookback can hold a run.
    per_place: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in rows:
        per_place[(row[1], row[2])].append(row)
    need = by_rule[Kind.IDENTICAL].count
    crowded = [row for place in per_place.values() if len(place) >= need for row in place]
    signatures = _signatures([row[0] for row in crowded])
    for rid, unit_id, version_id, _channel, _kiosk, _hash, comment, at in crowded:
        key = _digest(Kind.IDENTICAL, version_id, signatures[rid], comment.strip().casefold())
        groups[(Kind.IDENTICAL, key, unit_id)].append((rid, at, None))

    batches = []
    for (kind, key, unit_id), members in groups.items():
        rule = by_rule[kind]
        if len(members) < rule.count:
            continue
        times = [at for _rid, at, _kiosk in members]
        for i, j in bursts(times, rule.count, rule.window):
            chunk = members[i : j + 1]
            batches.append(
                Batch(
                    kind=kind,
                    key=key,
                    unit_id=unit_id,
                    kiosk_id=chunk[0][2],
                    ids=[rid for rid, _at, _k in chunk],
                    first=chunk[0][1],
                    last=chunk[-1][1],
                )
            )
    return batches


@transaction.atomic
def detect(*, now: datetime | None = None, lookback: timedelta | None = None) -> list[ReviewFlag]:
    """Flag the bursts and identical runs among the answers of the last `lookback` (default
    ABUSE_LOOKBACK_MINUTES). Returns the flags created or grown. Run by the incremental rollup task."""
    now = now or timezone.now()
    lookback = lookback or timedelta(minutes=settings.ABUSE_LOOKBACK_MINUTES)
    by_rule = {rule.kind: rule for rule in rules()}
    touched: list[ReviewFlag] = []
    for batch in _candidate_batches(now - lookback):
        rule = by_rule[batch.kind]
        existing = (
            ReviewFlag.objects.select_for_update()
            .filter(kind=batch.kind, key=batch.key, unit_id=batch.unit_id, last_at__gte=batch.first - rule.window)
            .order_by("-last_at")
            .first()
        )
        if existing is not None:
            known = set(existing.responses.values_list("id", flat=True))
            new_ids = [rid for rid in batch.ids if rid not in known]
            if not new_ids:
                continue
            if existing.status == ReviewFlag.Status.OPEN:
                existing.responses.add(*new_ids)
                existing.count = existing.responses.count()
                existing.first_at = min(existing.first_at, batch.first)
                existing.last_at = max(existing.last_at, batch.last)
                existing.save(update_fields=["count", "first_at", "last_at"])
                touched.append(existing)
                continue
            if len(new_ids) < rule.count:
                continue  # a few stragglers after a decision do not reopen it
            batch.ids = new_ids
        flag = ReviewFlag.objects.create(
            kind=batch.kind,
            key=batch.key,
            unit_id=batch.unit_id,
            kiosk_id=batch.kiosk_id,
            count=len(batch.ids),
            first_at=batch.first,
            last_at=batch.last,
        )
        flag.responses.add(*batch.ids)
        touched.append(flag)
    if touched:
        logger.info("abuse: %d review flag(s) raised or grown", len(touched))
    return touched


DETECT_LOCK = "thuocdo:abuse-detect"


def detect_unless_running(*, lookback: timedelta | None = None) -> list[ReviewFlag] | None:
    """`detect`, unless another process is detecting right now (two at once could raise the same flag
    twice); then None, and the next rollup scans the same window again. The lock lives in the cache
    (Redis in production, shared by the workers) and expires by itself if a worker dies holding it."""
    if not cache.add(DETECT_LOCK, "1", timeout=300):
        logger.info("abuse: detection already running elsewhere; skipped")
        return None
    try:
        return detect(lookback=lookback)
    finally:
        cache.delete(DETECT_LOCK)


# --------------------------------------------------------------------------- reads


def open_flags_for(user) -> QuerySet[ReviewFlag]:
    """Open flags of the units the user manages (managers and administrators), newest first."""
    return (
        ReviewFlag.objects.filter(status=ReviewFlag.Status.OPEN, unit__in=manageable_units(user))
        .select_related("unit", "kiosk")
        .order_by("-last_at", "-id")
    )


def can_exclude_flags(user) -> bool:
    return is_administrator(user)


# --------------------------------------------------------------------------- decisions


def _locked_flag(flag_id: int) -> ReviewFlag:
    return ReviewFlag.objects.select_for_update(of=("self",)).select_related("unit").get(pk=flag_id)


@transaction.atomic
def flag_exclude_batch(*, flag_id: int, user, reason: str = "") -> int:
    """Exclude every still-counted response of the flag in one action; administrators of its unit only.

    Each exclusion goes through `moderation.response_exclude` (ModerationEvent and AuditEvent per
    response); one rollup is queued after the commit. Returns how many responses were excluded.
    """
    flag = _locked_flag(flag_id)
    if not can_administer(user, flag.unit_id):
        raise PermissionDenied(_("Only an administrator of this unit may exclude a flagged batch."))
    if flag.status != ReviewFlag.Status.OPEN:
        raise ValidationError(_("This flag has already been dealt with."))
    text = (reason or "").strip()
    full_reason = f"{flag.get_kind_display()} (#{flag.pk})" + (f": {text}" if text else "")
    ids = list(flag.responses.filter(excluded=False).order_by("id").values_list("id", flat=True))
    for response_id in ids:
        moderation.response_exclude(response_id=response_id, user=user, reason=full_reason[:200], queue=False)
    flag.status = ReviewFlag.Status.EXCLUDED
    flag.resolved_at, flag.resolved_by, flag.note = timezone.now(), user, text[:200]
    flag.save(update_fields=["status", "resolved_at", "resolved_by", "note"])
    audit.record(
        actor=user,
        action=AuditAction.FLAG_BATCH_EXCLUDE,
        obj=flag,
        object_label=f"#{flag.pk}",
        details={"kind": flag.kind, "excluded": len(ids), "flagged": flag.count, "note": text[:200]},
    )
    if ids:
        queue_rollup()
    return len(ids)


@transaction.atomic
def flag_dismiss(*, flag_id: int, user, note: str) -> ReviewFlag:
    """The batch is genuine (e.g. a school class answering together): the flag closes, answers keep counting."""
    flag = _locked_flag(flag_id)
    if not can_manage(user, flag.unit_id):
        raise PermissionDenied(_("You may not review flags of this unit."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say why these answers are genuine."))
    if flag.status != ReviewFlag.Status.OPEN:
        raise ValidationError(_("This flag has already been dealt with."))
    flag.status = ReviewFlag.Status.DISMISSED
    flag.resolved_at, flag.resolved_by, flag.note = timezone.now(), user, note[:200]
    flag.save(update_fields=["status", "resolved_at", "resolved_by", "note"])
    audit.record(
        actor=user,
        action=AuditAction.FLAG_DISMISS,
        obj=flag,
        object_label=f"#{flag.pk}",
        details={"kind": flag.kind, "flagged": flag.count, "note": note[:200]},
    )
    return flag
