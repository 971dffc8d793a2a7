"""Reads of the moderation pages: which responses a manager's list shows, one month at a time.

Access: only responses of `agencies.permissions.manageable_units`; a review flag's batch is
filtered within them. The order within a month is not the clock (reports.anonymity), so the
database sorts one month of the user's units, never the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.utils import timezone

from agencies.permissions import manageable_units
from surveys.models import Response

from . import anonymity
from .models import ModerationEvent, PeriodType
from .periods import Period


@dataclass
class ModerationList:
    responses: QuerySet[Response]  # the month's rows, in the list's order
    month: Period
    unknown_unit: bool  # a unit code was asked for that the user does not manage


def moderation_list(
    user, *, status: str = "", comment_only: bool = False, flag_id: str = "", unit_code: str = "", month: str = ""
) -> ModerationList:
    """The responses of the units `user` manages, filtered as asked, for one month (the asked
    one, else the month of the newest matching response)."""
    units = manageable_units(user)
    responses = Response.objects.select_related("unit", "procedure")
    if not user.is_superuser:
        # (A superuser manages every unit: the same rows without a semi-join over the unit table,
        # so the month's range is read from the submitted_at index.)
        responses = responses.filter(unit__in=units)
    if status == "excluded":
        responses = responses.filter(excluded=True)
    elif status == "counted":
        responses = responses.filter(excluded=False)
    if comment_only:
        responses = responses.exclude(comment="")
    if flag_id:
        # The batch of one review flag (reports.abuse), within the units the user manages.
        responses = responses.filter(review_flags__pk=flag_id) if flag_id.isdigit() else responses.none()
    unknown_unit = False
    if unit_code:
        chosen = units.filter(code=unit_code).first()
        if chosen is None:
            unknown_unit = True
        else:
            responses = responses.filter(unit__path__startswith=chosen.path)
    period = Period.parse(month)
    if period is None or period.type != PeriodType.MONTH:
        latest = responses.aggregate(latest=Max("submitted_at"))["latest"]
        period = Period.containing(
            PeriodType.MONTH, timezone.localtime(latest).date() if latest else timezone.localdate()
        )
    start, end = anonymity.month_bounds(period.start)
    in_month = responses.filter(submitted_at__gte=start, submitted_at__lt=end)
    return ModerationList(anonymity.within_month_order(in_month), period, unknown_unit)


def response_for_moderation(user, pk: int) -> Response | None:
    """The response `pk` if it belongs to a unit the user manages (else None: a 404, its existence
    does not leak), with what the detail page shows of it."""
    return (
        Response.objects.select_related("unit", "procedure", "excluded_by")
        .filter(pk=pk, unit__in=manageable_units(user))
        .first()
    )


def response_history(response: Response) -> tuple[QuerySet, QuerySet[ModerationEvent]]:
    """A response's answers in question order and its moderation trail; the response itself is
    protected for display (reports.anonymity: no procedure or time finer than the k-cell allows)."""
    answers = response.answers.select_related("question", "question__dimension", "choice").order_by(
        "question__order", "question_id"
    )
    events = ModerationEvent.objects.filter(response=response).select_related("actor")
    anonymity.protect([response], with_mean=False)
    return answers, events
