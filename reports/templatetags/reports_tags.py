"""Small display helpers of the dashboards: intervals as SVG, heat-map classes, change marks."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("reports/_interval.html")
def interval_bar(figures, scale_min: int = 50):
    """The 95% interval as a small SVG bar (no inline style, so a strict CSP allows it).

    The axis runs from `scale_min` to 100, where satisfaction indexes sit, so that intervals
    of a few points stay visible; values below the axis are drawn at its left edge.
    """
    if figures is None or not figures.enough or figures.index is None:
        return {"show": False}
    span = 100 - scale_min

    def x(value: float | None) -> float:
        value = scale_min if value is None else max(scale_min, min(100.0, value))
        return round((value - scale_min) * 100 / span, 2)

    low = x(figures.low if figures.low is not None else figures.index)
    high = x(figures.high if figures.high is not None else figures.index)
    return {"show": True, "low": low, "width": max(high - low, 0.5), "mark": x(figures.index),
            "label": _("95%% interval %(low).1f–%(high).1f, index %(index).1f") % {
                "low": figures.low or figures.index, "high": figures.high or figures.index,
                "index": figures.index}}


@register.filter
def heat(figures) -> str:
    """A heat-map class by index band; none for too few answers."""
    if figures is None or not figures.enough or figures.index is None:
        return "heat-na"
    bands = ((90, "heat-5"), (85, "heat-4"), (80, "heat-3"), (75, "heat-2"), (70, "heat-1"))
    for bound, name in bands:
        if figures.index >= bound:
            return name
    return "heat-0"


@register.filter
def stars(value) -> str:
    return "" if value is None else f"{value:.1f}"
