"""The funnel plot as server-rendered SVG geometry (templates/reports/_funnel.html draws it).

x: effective sample size on a logarithmic axis (sizes span two or three orders of magnitude);
y: the index in percent. Lines: the centre (the parent's pooled rate), the 95 % and 99.8 % limits.
Points: units with enough answers; units outside the 95 % limits are drawn with a distinct shape
and named beside their point. No script, no network: the page stays readable without JavaScript.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html_join

from . import funnel
from .fairness import Comparison

WIDTH, HEIGHT = 720, 400
LEFT, RIGHT, TOP, BOTTOM = 56, 170, 16, 44
_NICE = (1, 2, 5)
MAX_LABELS = 10


@dataclass(frozen=True)
class Dot:
    """Coordinates are kept as numbers for layout; `shape` is the SVG path, already as text (never
    localised: a Vietnamese decimal comma would break the drawing)."""

    x: float
    y: float
    code: str
    name: str
    classification: str
    label: str
    index: float
    n_eff: float
    named: bool

    @property
    def shape(self) -> str:
        if self.classification == funnel.ABOVE:
            return f"M{self.x:.1f},{self.y - 6:.1f} l6,10 l-12,0 z"
        if self.classification == funnel.BELOW:
            return f"M{self.x:.1f},{self.y + 6:.1f} l6,-10 l-12,0 z"
        # A circle of radius 3.5 as a path, so every point is one element.
        return f"M{self.x - 3.5:.1f},{self.y:.1f} a3.5,3.5 0 1,0 7,0 a3.5,3.5 0 1,0 -7,0"


def _n(v: float) -> str:
    return f"{v:.1f}"


def _log_ticks(lo: float, hi: float) -> list[float]:
    out = []
    exp = math.floor(math.log10(lo))
    while 10**exp <= hi * 1.0001:
        for m in _NICE:
            v = m * 10**exp
            if lo <= v <= hi:
                out.append(float(v))
        exp += 1
    return out


def chart(comparison: Comparison) -> dict | None:
    """Everything the template needs, or None when fewer than two units can be placed."""
    centre = comparison.centre
    shown = [
        f
        for f in comparison.units.values()
        if f.classification in (funnel.ABOVE, funnel.WITHIN, funnel.BELOW)
        and f.n_eff
        and (comparison.centre_unit is None or f.unit_id != comparison.centre_unit.id)
    ]
    if centre is None or len(shown) < 2:
        return None
    n_lo = max(1.0, min(f.n_eff for f in shown) / 1.5)
    n_hi = max(f.n_eff for f in shown) * 1.5
    curve95 = funnel.funnel_curve(centre, n_lo, n_hi, funnel.Z95)
    curve998 = funnel.funnel_curve(centre, n_lo, n_hi, funnel.Z998)
    rates = [f.placed.rate for f in shown]
    # The y range shows every point and the limits where most points are, not the whole 0–100.
    mid = curve998[len(curve998) // 4]
    y_lo = max(0.0, min(min(rates), mid[1]) - 0.02)
    y_hi = min(1.0, max(max(rates), mid[2]) + 0.02)
    y_lo, y_hi = math.floor(y_lo * 20) / 20, math.ceil(y_hi * 20) / 20
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    lx0, lx1 = math.log(n_lo), math.log(n_hi)

    def sx(n: float) -> float:
        return round(LEFT + (math.log(n) - lx0) / (lx1 - lx0) * plot_w, 1)

    def sy(r: float) -> float:
        r = min(max(r, y_lo), y_hi)
        return round(TOP + (y_hi - r) / (y_hi - y_lo) * plot_h, 1)

    def path(curve, which: int) -> str:
        return "M" + " L".join(f"{sx(n)},{sy(p[which - 1])}" for n, *p in curve)

    dots = sorted(
        (
            Dot(
                sx(f.n_eff),
                sy(f.placed.rate),
                f.code,
                f.name,
                f.classification,
                f.label,
                100.0 * f.placed.rate,
                f.n_eff,
                f.classification in (funnel.ABOVE, funnel.BELOW),
            )
            for f in shown
        ),
        # Named points drawn last, so they stay on top.
        key=lambda d: (d.named, d.x),
    )

    # Name the most extreme units on the plot (by their distance from the centre in standard
    # errors); with many outside, the rest are named in the list under the plot and in each
    # point's tooltip, since thirty overlapping names would name nobody.
    def z(d: Dot) -> float:
        return abs(d.index / 100.0 - centre) / math.sqrt(max(centre * (1 - centre), 1e-9) / d.n_eff)

    extreme = sorted((d for d in dots if d.named), key=z, reverse=True)[:MAX_LABELS]
    labels = _place_labels(extreme)
    step = 0.05 if y_hi - y_lo > 0.25 else (0.02 if y_hi - y_lo > 0.08 else 0.01)
    y_ticks = []
    v = math.ceil(y_lo / step - 1e-9) * step
    while v <= y_hi + 1e-9:
        y_ticks.append({"y": _n(sy(v)), "label": f"{100 * v:.0f}" if step >= 0.01 else f"{100 * v:.1f}"})
        v += step
    return {
        "dots_svg": _dots_svg(dots),
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "left_tick": LEFT - 6,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "x_tick_y": HEIGHT - BOTTOM + 16,
        "x_label_y": HEIGHT - 6,
        "centre_y": _n(sy(centre)),
        "centre_pct": 100.0 * centre,
        "upper95": path(curve95, 2),
        "lower95": path(curve95, 1),
        "upper998": path(curve998, 2),
        "lower998": path(curve998, 1),
        "x_ticks": [{"x": _n(sx(t)), "label": f"{t:g}"} for t in _log_ticks(n_lo, n_hi)],
        "y_ticks": y_ticks,
        "dots": dots,
        "labels": labels,
        "legend": f"translate({WIDTH - RIGHT + 12},{TOP + 8})",
        "counts": comparison.counts,
        "plotted": len(shown),
    }


def _dots_svg(dots: list[Dot]):
    """The points as SVG markup, built here: a template loop over a thousand points costs more
    than the rest of the page. Names and labels are escaped by format_html."""
    from .formatting import decimal as pct

    return format_html_join(
        "",
        '<g class="fp-dot fp-{}" data-code="{}"><path d="{}"/><title>{} ({}): {}, n_eff {} — {}</title></g>',
        ((d.classification, d.code, d.shape, d.name, d.code, pct(d.index), f"{d.n_eff:.0f}", d.label) for d in dots),
    )


def _place_labels(named: list[Dot]) -> list[dict]:
    """Names of the units outside the limits, beside their points, nudged apart vertically."""
    out = []
    taken: list[tuple[float, float, float]] = []  # (y, x0, x1) of labels placed
    for d in sorted(named, key=lambda d: d.y):
        text = d.name if len(d.name) <= 22 else d.name[:21] + "…"
        width = 6.2 * len(text)
        y = d.y + 4
        placed = False
        # Right of the point, else left of it; a label that cannot sit near its point is left out.
        for anchor_end in (False, True):
            x0 = d.x - 8 - width if anchor_end else d.x + 8
            if x0 < LEFT or x0 + width > WIDTH - RIGHT + 4:
                continue
            if not any(abs(ty - y) < 12 and not (x0 + width < tx0 or x0 > tx1) for ty, tx0, tx1 in taken):
                placed = True
                break
        if not placed:
            continue
        taken.append((y, x0, x0 + width))
        out.append(
            {
                "x": _n(d.x - 8 if anchor_end else d.x + 8),
                "y": _n(y),
                "text": text,
                "end": anchor_end,
                "cls": d.classification,
            }
        )
    return out
