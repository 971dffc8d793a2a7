"""Reads of the feedback app."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from agencies.models import Unit
from surveys.models import Receipt, Response

from .models import Action, CommentTopic, Reply, Topic


def own_comment(receipt: Receipt) -> tuple[Response, Reply | None] | None:
    """For the citizen who proved they hold the reply key: their comment and the published reply
    (None while there is none). None when the comment was excluded or there is no comment."""
    response = Response.objects.filter(receipt=receipt, excluded=False).exclude(comment="").first()
    if response is None:
        return None
    reply = Reply.objects.filter(response=response, status=Reply.Status.PUBLISHED).first()
    return response, reply


def topics_of(response_ids: list[int]) -> dict[int, list[str]]:
    """Topic codes per response id, in the order of Topic."""
    order = {t: i for i, t in enumerate(Topic.values)}
    out: dict[int, list[str]] = {}
    for rid, topic in CommentTopic.objects.filter(response_id__in=response_ids).values_list("response_id", "topic"):
        out.setdefault(rid, []).append(topic)
    return {rid: sorted(ts, key=order.get) for rid, ts in out.items()}


def unit_comments(*, unit: Unit, topic: str = "") -> QuerySet[Response]:
    """Counted comments of the unit's subtree, newest first, optionally of one topic."""
    qs = Response.objects.filter(unit__path__startswith=unit.path, excluded=False).exclude(comment="")
    if topic:
        qs = qs.filter(comment_topics__topic=topic)
    return qs.select_related("unit").order_by("-submitted_at", "-id")


def topic_counts(*, unit: Unit, since: date, until: date) -> Counter:
    """Comments per topic in the unit's subtree, submitted on local days since..until (inclusive)."""
    rows = (
        CommentTopic.objects.filter(
            response__unit__path__startswith=unit.path,
            response__excluded=False,
            response__submitted_at__date__gte=since,
            response__submitted_at__date__lte=until,
        )
        .values_list("topic")
        .annotate(n=Count("id"))
    )
    return Counter(dict(rows))


def topic_trend(*, unit: Unit, months: list[date]) -> dict[str, list[int]]:
    """Per topic, the number of comments in each month of `months` (first days, ascending)."""
    if not months:
        return {}
    rows = (
        CommentTopic.objects.filter(
            response__unit__path__startswith=unit.path,
            response__excluded=False,
            response__submitted_at__date__gte=months[0],
        )
        .annotate(month=TruncMonth("response__submitted_at"))
        .values_list("topic", "month")
        .annotate(n=Count("id"))
    )
    index = {m: i for i, m in enumerate(months)}
    trend = {t: [0] * len(months) for t in Topic.values}
    for topic, month, n in rows:
        key = month.date() if hasattr(month, "date") else month
        if key in index:
            trend[topic][index[key]] += n
    return trend


def public_actions(unit: Unit) -> QuerySet[Action]:
    return Action.objects.filter(unit=unit).order_by("-done_on", "-id")
