"""Small display helpers of the dashboards: figures, intervals as SVG, heat-map classes.

They are plain string functions rather than inclusion templates or `floatformat`, because the
comparison renders them for a hundred rows and twelve columns on every request.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reports.formatting import decimal
from reports.selectors import published_row_group

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """A figure with `digits` decimals and the language's decimal separator; '—' for none."""
    return decimal(value, digits)


@register.filter
def signed(value) -> str:
    """A change in points with its sign (+1,2 / −0,8)."""
    if value is None:
        return ""
    text = pct(abs(value))
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)


@register.simple_tag
def interval_bar(figures, scale_min: int = 50) -> str:
    """The 95% interval as a small SVG bar (no inline style, so a strict CSP allows it).

    The axis runs from `scale_min` to 100, where satisfaction indexes sit, so that intervals of a
    few points stay visible; values below the axis are drawn at its left edge.
    """
    if figures is None or not figures.enough or figures.index is None:
        return ""
    span = 100 - scale_min
    index = figures.index
    low_value = figures.low if figures.low is not None else index
    high_value = figures.high if figures.high is not None else index

    def x(value: float) -> float:
        return round((max(scale_min, min(100.0, value)) - scale_min) * 100 / span, 2)

    low, high, mark = x(low_value), x(high_value), x(index)
    label = escape(
        _("95%% interval %(low)s–%(high)s, index %(index)s")
        % {"low": pct(low_value), "high": pct(high_value), "index": pct(index)}
    )
    return mark_safe(
        f'<svg class="ci-bar" viewBox="0 0 100 12" preserveAspectRatio="none" width="100" height="12" role="img" '
        f'aria-label="{label}"><title>{label}</title><rect x="0" y="5" width="100" height="2" class="ci-axis"/>'
        f'<rect x="{low}" y="2" width="{max(high - low, 0.5)}" height="8" rx="2" class="ci-range"/>'
        f'<rect x="{mark}" y="0" width="1.5" height="12" class="ci-mark"/></svg>'
    )


@register.filter
def heat(figures) -> str:
    """A heat-map class by index band; none for too few answers."""
    if figures is None or not figures.enough or figures.index is None:
        return "heat-na"
    index = figures.index
    for bound, name in ((90, "heat-5"), (85, "heat-4"), (80, "heat-3"), (75, "heat-2"), (70, "heat-1")):
        if index >= bound:
            return name
    return "heat-0"


@register.filter
def stars(value) -> str:
    return "" if value is None else pct(value)


@register.filter
def peer_group(row) -> str:
    """The peer group a published row was ranked in ("ward, commune, special zone")."""
    return published_row_group(row)


@register.inclusion_tag("reports/_method.html")
def scores_method(run="") -> dict:
    """The line naming the method every figure on the page was computed with (issue 14). A page that
    has looked up its last rollup run passes it (None: no run yet, no line), and no query is made."""
    from reports.selectors import method_label

    if run is None:
        return {"label": ""}
    return {"label": method_label(run=run or None)}
