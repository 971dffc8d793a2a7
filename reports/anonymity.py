"""Anonymity against insiders: what a staff view may show of one response (docs/privacy.md).

The staff who served a citizen know the dossier, the procedure, the channel (they handed over a
receipt, or pointed at the kiosk) and roughly the hour. The rule this module protects: with that
knowledge, no staff page may narrow the answers down to fewer than k responses (`ANONYMITY_K`,
default 5). For each response shown on its own (a comment, a moderation row):

- **time**: its date, never a minute — and only when every day of that unit's month with any
  response has at least k of them; otherwise every row of that unit and month shows the month
  alone. (Showing the small days as a month but the others as days would let the reader pick the
  small day out by elimination.)
- **procedure and channel**: shown only when, within the unit and the time shown (day or month),
  every (procedure, channel) group holds at least k responses; else the channel alone when every
  channel group does; else neither. All-or-nothing per unit and time, for the same reason.
- **mean rating**: shown with the procedure, hidden with it.
- **order**: month by month, newest first, and within a month an order that says nothing about
  the time (`within_month_order`), so a position on the page is not a clock (nor a calendar) either.

Every response counts, excluded or not: the insider cannot tell them apart. Everything here works
on one page of rows, in a fixed number of queries whatever the number of responses stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from surveys.models import Response

# Within a month rows are ordered by (id × M + A) mod P, with M and A drawn from SECRET_KEY:
# neighbours in time land far apart, and without the key the order cannot be turned back into ids.
# P = 2^31 − 1 (prime) keeps id × M inside a signed 64-bit integer for ids below 2^32.
_SCATTER_MODULUS = 2147483647


def _scatter_key() -> tuple[int, int]:
    import hashlib
    import hmac

    digest = hmac.new(settings.SECRET_KEY.encode(), b"thuoc-do:scatter", hashlib.sha256).digest()
    multiplier = int.from_bytes(digest[:4], "big") % (_SCATTER_MODULUS - 1) + 1
    offset = int.from_bytes(digest[4:8], "big") % _SCATTER_MODULUS
    return multiplier, offset


def k() -> int:
    return max(1, settings.ANONYMITY_K)


def response_day(response: Response) -> date:
    """The local date of a response: the only time a staff page shows of it."""
    return timezone.localtime(response.submitted_at).date()


def within_month_order(qs: QuerySet[Response]) -> QuerySet[Response]:
    """Newest month first; inside a month, an order unrelated to the day and minute of submission."""
    from django.db.models.functions import TruncMonth

    multiplier, offset = _scatter_key()
    return qs.annotate(
        _month=TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone()),
        _scatter=Mod(F("id") * multiplier + offset, _SCATTER_MODULUS),
    ).order_by("-_month", "_scatter", "id")


def _local_day(field: str):
    from django.db.models.functions import TruncDate

    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def month_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(following, time.min), tz),
    )


def _groups(rows: list[Response]) -> dict[tuple[int, date], dict[tuple[date, int | None, str], int]]:
    """Response counts by (unit, month) → (day, procedure, channel), for the units and months on the page."""
    keys = {(r.unit_id, response_day(r).replace(day=1)) for r in rows}
    condition = Q()
    for unit_id, month in keys:
        start, end = month_bounds(month)
        condition |= Q(unit_id=unit_id, submitted_at__gte=start, submitted_at__lt=end)
    counted = (
        Response.objects.filter(condition)
        .annotate(_day=_local_day("submitted_at"))
        .values("unit_id", "_day", "procedure_id", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    groups: dict[tuple[int, date], dict[tuple[date, int | None, str], int]] = {key: {} for key in keys}
    for c in counted:
        day = c["_day"]
        if isinstance(day, datetime):
            day = day.date()
        groups.setdefault((c["unit_id"], day.replace(day=1)), {})[(day, c["procedure_id"], c["channel"])] = c["n"]
    return groups


def _disclosure(cells: dict[tuple[int | None, str], int], threshold: int) -> tuple[bool, bool]:
    """(show procedure and channel, show channel) for one unit and one shown time."""
    if all(n >= threshold for n in cells.values()):
        return True, True
    channels: dict[str, int] = {}
    for (_procedure, channel), n in cells.items():
        channels[channel] = channels.get(channel, 0) + n
    return False, all(n >= threshold for n in channels.values())


def mean_ratings(rows: Iterable[Response]) -> dict[int, float]:
    """Mean rating of each response on the page, in one query over the page's ids only."""
    ids = [r.pk for r in rows]
    if not ids:
        return {}
    from surveys.models import Answer

    means = (
        Answer.objects.filter(response_id__in=ids, kind="rating", value__isnull=False)
        .values("response_id")
        .annotate(m=Avg("value"))
        .order_by()
    )
    return {m["response_id"]: m["m"] for m in means}


def protect(rows: list[Response], *, with_mean: bool = True) -> list[Response]:
    """Set on each row what a staff page may show of it:

    `ref` (the opaque reference for links), `shown_when` (a date "dd/mm/yyyy" or a month "mm/yyyy"), `shown_procedure` (a Procedure or
    None), `shown_channel` (its label or ""), `shown_mean` (float or None), `withheld` (True when
    anything was held back)."""
    if not rows:
        return rows
    threshold = k()
    groups = _groups(rows)
    means = mean_ratings(rows) if with_mean else {}
    decided: dict[tuple[int, date, bool], tuple[bool, bool]] = {}
    for r in rows:
        day = response_day(r)
        month = day.replace(day=1)
        cells = groups.get((r.unit_id, month), {})
        totals_by_day: dict[date, int] = {}
        for (d, _p, _c), n in cells.items():
            totals_by_day[d] = totals_by_day.get(d, 0) + n
        by_day = all(n >= threshold for n in totals_by_day.values())
        key = (r.unit_id, day if by_day else month, by_day)
        if key not in decided:
            shown_cells: dict[tuple[int | None, str], int] = {}
            for (d, procedure_id, channel), n in cells.items():
                if by_day and d != day:
                    continue
                shown_cells[(procedure_id, channel)] = shown_cells.get((procedure_id, channel), 0) + n
            decided[key] = _disclosure(shown_cells, threshold)
        show_all, show_channel = decided[key]
        r.shown_when = day.strftime("%d/%m/%Y") if by_day else month.strftime("%m/%Y")
        r.shown_procedure = r.procedure if show_all else None
        r.shown_channel = r.get_channel_display() if show_channel else ""
        r.shown_mean = means.get(r.pk) if show_all else None
        r.withheld = not (by_day and show_all)
        r.ref = reference(r.pk)
    return rows


def page_rows(page) -> list[Response]:
    """Protect the rows of a paginator page in place and return them."""
    rows = list(page.object_list)
    protect(rows)
    page.object_list = rows
    return rows


# --------------------------------------------------------------------------- opaque references
# Response ids grow with time, so an id in a link is a clock: sorting a day's links by id orders
# its answers by minute. Staff links carry instead a keyed permutation of the id (a 4-round
# Feistel network over 64 bits, keyed by SECRET_KEY): reversible by the server, meaningless to a reader.

_HALF = 32
_MASK = (1 << _HALF) - 1


def _round(value: int, round_no: int) -> int:
    import hashlib
    import hmac

    key = f"thuoc-do:response-ref:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, f"{round_no}:{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def reference(pk: int) -> str:
    """The opaque reference of a response id in staff links (16 hex digits)."""
    left, right = (pk >> _HALF) & _MASK, pk & _MASK
    for round_no in range(4):
        left, right = right, left ^ _round(right, round_no)
    return f"{(left << _HALF) | right:016x}"


def pk_from_reference(ref: str) -> int | None:
    """The response id of a reference, or None when it is not one."""
    if len(ref) != 16:
        return None
    try:
        value = int(ref, 16)
    except ValueError:
        return None
    left, right = value >> _HALF, value & _MASK
    for round_no in reversed(range(4)):
        left, right = right ^ _round(left, round_no), left
    return (left << _HALF) | right
