"""Template tags that let pages of lower apps show feedback without importing it:
the moderation pages (topics, the reply box) and the unit dashboard (topics and their trend)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone

from .. import selectors
from ..forms import ReplyForm, WithdrawForm
from ..models import Reply, Topic

register = template.Library()


@register.simple_tag
def topics_for(responses) -> dict:
    """{response id: [topic labels]} for a page of responses, in one query."""
    ids = [r.pk for r in responses]
    return {rid: [Topic(t).label for t in ts] for rid, ts in selectors.topics_of(ids).items()}


@register.filter
def lookup(mapping, key):
    return (mapping or {}).get(key, [])


@register.inclusion_tag("manage/feedback/_reply_panel.html", takes_context=True)
def reply_panel(context, response):
    reply = Reply.objects.filter(response=response).first()
    topics = selectors.topics_of([response.pk]).get(response.pk, [])
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "response": response,
        "reply": reply,
        "topics": [Topic(t).label for t in topics],
        "form": ReplyForm(initial={"text": reply.text if reply else ""}),
        "withdraw_form": WithdrawForm(),
    }


def _months_back(last: date, count: int) -> list[date]:
    months = []
    year, month = last.year, last.month
    for _ in range(count):
        months.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(months))


@register.inclusion_tag("feedback/_topic_summary.html", takes_context=True)
def topic_summary(context, unit, period=None, months: int = 6):
    """Comments per topic over the `months` months up to the end of `period`, for the dashboard;
    with the link to the period's monthly PDF when it is a month."""
    last = min(period.end, timezone.localdate()) if period is not None else timezone.localdate()
    month_list = _months_back(last, months)
    trend = selectors.topic_trend(unit=unit, months=month_list)
    rows = []
    for code, label in Topic.choices:
        counts = trend.get(code, [0] * len(month_list))
        peak = max(counts) or 1
        rows.append(
            {
                "code": code,
                "label": label,
                "counts": [(m, n, round(100 * n / peak)) for m, n in zip(month_list, counts)],
                "last": counts[-1] if counts else 0,
                "before": counts[-2] if len(counts) > 1 else 0,
                "total": sum(counts),
            }
        )
    return {
        "unit": unit,
        "rows": rows,
        "months": month_list,
        "report_month": f"{period.start:%Y-%m}" if period is not None and period.type == "month" else "",
    }
