"""Text summaries of the dashboard's charts, for people who cannot see them (and anyone in a hurry).

Each chart's canvas points at its summary with aria-describedby; the full figures stay in the
"Figures as a table" alternative below it. Only indexes with enough answers are mentioned."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from .reports_tags import pct

register = template.Library()


@register.simple_tag
def dimensions_summary(rows) -> str:
    """'Highest: X, 93.1%. Lowest: Y, 84.0%.' over the (dimension, figures) rows with an index."""
    shown = [(d, f) for d, f in rows if f.enough and f.index is not None]
    if not shown:
        return _("No element has enough answers for an index yet.")
    high = max(shown, key=lambda r: r[1].index)
    low = min(shown, key=lambda r: r[1].index)
    if len(shown) == 1 or high[1].index == low[1].index:
        return _("%(element)s: %(value)s%%.") % {"element": high[0].name, "value": pct(high[1].index)}
    return _("Highest: %(high)s, %(high_value)s%%. Lowest: %(low)s, %(low_value)s%%.") % {
        "high": high[0].name,
        "high_value": pct(high[1].index),
        "low": low[0].name,
        "low_value": pct(low[1].index),
    }


@register.simple_tag
def trend_summary(points: list[dict[str, Any]]) -> str:
    """First and last month with an index, and the highest and lowest month in between."""
    shown = [p for p in points if p["unit"].enough and p["unit"].index is not None]
    if not shown:
        return _("No month has enough answers for an index yet.")
    first, last = shown[0], shown[-1]
    high = max(shown, key=lambda p: p["unit"].index)
    low = min(shown, key=lambda p: p["unit"].index)
    return _(
        "From %(first_month)s to %(last_month)s the index went from %(first)s%% to %(last)s%%; "
        "highest %(high)s%% (%(high_month)s), lowest %(low)s%% (%(low_month)s)."
    ) % {
        "first_month": first["period"].key,
        "last_month": last["period"].key,
        "first": pct(first["unit"].index),
        "last": pct(last["unit"].index),
        "high": pct(high["unit"].index),
        "high_month": high["period"].key,
        "low": pct(low["unit"].index),
        "low_month": low["period"].key,
    }
