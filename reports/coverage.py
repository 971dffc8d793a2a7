"""Response rates and coverage: which units actually survey their visitors (issue 17).

An index from 20 % of receipts answered is weaker than one from 80 %. Per unit (with its
sub-units, or its own answers only) and reporting period:

- receipts issued in the period; of those, answered (used), expired unanswered, and still open;
- the response rate = answered / issued, and whether it is below `RESPONSE_RATE_FLOOR`;
- kiosk sessions completed (kiosk responses) and counted responses per channel (receipt, kiosk,
  online dossier, open link) and per respondent kind (individual, organisation, not known),
  excluded responses left out.

Counts, not answers: two GROUP BY queries over receipts and responses of the period, whatever the
number of units (the subtree sums are added up in Python from the units' paths).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from surveys.models import Receipt, RespondentKind, Response

from .models import Scope
from .periods import Period

CHANNELS = (Response.Channel.RECEIPT, Response.Channel.KIOSK, Response.Channel.ONLINE, Response.Channel.LINK)


def floor() -> float:
    return settings.RESPONSE_RATE_FLOOR


@dataclass
class Coverage:
    """One unit's coverage in one period."""

    issued: int = 0
    answered: int = 0
    expired: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)  # respondent kind ("" unknown) → responses

    @property
    def open(self) -> int:
        """Receipts still waiting for an answer (neither answered nor expired)."""
        return max(self.issued - self.answered - self.expired, 0)

    @property
    def rate(self) -> float | None:
        """Answered / issued (0–1); None when no receipt was issued."""
        return self.answered / self.issued if self.issued else None

    @property
    def rate_pct(self) -> float | None:
        return None if self.rate is None else 100.0 * self.rate

    @property
    def below_floor(self) -> bool:
        return self.rate is not None and self.rate < floor()

    @property
    def kiosk_sessions(self) -> int:
        return self.by_channel.get(Response.Channel.KIOSK, 0)

    def channel(self, name: str) -> int:
        return self.by_channel.get(name, 0)

    @property
    def channels(self) -> list[tuple[str, str, int]]:
        """(code, label, responses) for every channel, in a fixed order."""
        labels = dict(Response.Channel.choices)
        return [(c, str(labels[c]), self.by_channel.get(c, 0)) for c in CHANNELS]

    @property
    def kinds(self) -> list[tuple[str, str, int]]:
        """(code, label, responses) per respondent kind, unknown last."""
        labels = dict(RespondentKind.choices)
        out = [(k, str(labels[k]), self.by_kind.get(k, 0)) for k in RespondentKind.values]
        return out + [("", str(_("not known")), self.by_kind.get("", 0))]

    def add(self, other: Coverage) -> None:
        self.issued += other.issued
        self.answered += other.answered
        self.expired += other.expired
        for k, v in other.by_channel.items():
            self.by_channel[k] = self.by_channel.get(k, 0) + v
        for k, v in other.by_kind.items():
            self.by_kind[k] = self.by_kind.get(k, 0) + v


def _bounds(period: Period) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(period.start, time.min), tz)
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min), tz)
    return start, end


def _own(
    unit_ids: Iterable[int] | None, period: Period, *, path_prefixes: list[str] | None = None
) -> tuple[dict[int, Coverage], dict[int, str]]:
    """Coverage of each unit's own receipts and responses, keyed by unit id, and those units' paths."""
    start, end = _bounds(period)
    now = timezone.now()
    receipts = Receipt.objects.filter(issued_at__gte=start, issued_at__lt=end)
    responses = Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end, excluded=False)
    if path_prefixes is not None:
        where = Q()
        for prefix in path_prefixes:
            where |= Q(unit__path__startswith=prefix)
        receipts, responses = receipts.filter(where), responses.filter(where)
    else:
        receipts = receipts.filter(unit_id__in=list(unit_ids or []))
        responses = responses.filter(unit_id__in=list(unit_ids or []))
    out: dict[int, Coverage] = {}
    paths: dict[int, str] = {}
    for row in receipts.values("unit_id", "unit__path").annotate(
        issued=Count("id"),
        answered=Count("id", filter=Q(used_at__isnull=False)),
        expired=Count("id", filter=Q(used_at__isnull=True, expires_at__lte=now)),
    ):
        c = out.setdefault(row["unit_id"], Coverage())
        c.issued, c.answered, c.expired = row["issued"], row["answered"], row["expired"]
        paths[row["unit_id"]] = row["unit__path"]
    for row in responses.values("unit_id", "unit__path", "channel", "respondent_kind").annotate(n=Count("id")):
        c = out.setdefault(row["unit_id"], Coverage())
        c.by_channel[row["channel"]] = c.by_channel.get(row["channel"], 0) + row["n"]
        kind = row["respondent_kind"] or ""
        c.by_kind[kind] = c.by_kind.get(kind, 0) + row["n"]
        paths[row["unit_id"]] = row["unit__path"]
    return out, paths


def for_units(unit_ids: Iterable[int], period: Period, scope: str = Scope.SUBTREE) -> dict[int, Coverage]:
    """Coverage of each given unit (with its sub-units for scope `subtree`), keyed by unit id."""
    unit_ids = list(unit_ids)
    if not unit_ids:
        return {}
    if scope != Scope.SUBTREE:
        own, _paths = _own(unit_ids, period)
        return {i: own.get(i, Coverage()) for i in unit_ids}
    # The highest of the given units cover the others: ask for their subtrees only.
    paths = sorted(set(Unit.objects.filter(id__in=unit_ids).values_list("path", flat=True)))
    tops = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
    own, unit_paths = _own(None, period, path_prefixes=tops)
    result = {i: Coverage() for i in unit_ids}
    # Each unit's counts go to every wanted unit on its path (the path lists its ancestors' ids).
    for unit_id, path in unit_paths.items():
        for ancestor in (int(x) for x in path.strip("/").split("/") if x):
            if ancestor in result:
                result[ancestor].add(own[unit_id])
    return result


def sort_rows(rows: list, coverage: dict[int, Coverage], descending: bool) -> list:
    """Sort comparison rows by response rate; rows without receipts go last whatever the direction."""
    present = [r for r in rows if coverage.get(r.unit.id, Coverage()).rate is not None]
    missing = [r for r in rows if coverage.get(r.unit.id, Coverage()).rate is None]
    present.sort(key=lambda r: coverage[r.unit.id].rate, reverse=descending)
    missing.sort(key=lambda r: r.unit.code)
    return present + missing
