"""Fair comparison of units (DESIGN.md, Fair comparison), as pure functions (no Django).

Funnel plot (Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics
in Medicine 24:1185–1202, 2005). Each unit is a point (n_eff, r):

- r = Σy / Σx, the unit's index on the 0–1 scale (the ratio estimator of `reports.scoring`);
- n_eff = r(1 − r) / Var(r), its **effective sample size**: the number of independent answers
  that would give the same variance as the linearised ratio variance of `reports.scoring`
  (answers of one response are correlated, so n_eff is usually below the rated answers). It is
  capped at the rated answers Σx, and equal to Σx when r is 0 or 1 or the variance is 0 — the
  same effective size the intervals use (NCHS 2017);
- the centre p₀ is the parent's pooled rate (its Σy / Σx over the whole subtree);
- the control limits at size n are p₀ ± z · √(p₀(1 − p₀) / n), clipped to 0–1, with z = 1.960
  (95 %) and z = 3.090 (99.8 %): the normal approximation of Spiegelhalter's §3.1 on the same
  variance model (binomial on the effective size).

A unit is **above** (below) expected only when r lies strictly outside the 95 % limits at its
own n_eff; **beyond 99.8 %** marks the stronger signal. A unit with fewer responses than the
presentation rule's minimum is "not enough answers" and is neither plotted as a signal nor ranked.

Rank ranges: each unit's index is drawn `draws` (1,000) times from its sampling distribution
N(r, Var(r)) (a fixed seed, so a page shows the same ranges on every load), the units are ranked
in every draw (1 = highest), and the range is the 2.5–97.5 % quantiles of a unit's ranks: the
ranks its uncertainty allows. Units are put in a fixed order (their key) before drawing, so the
ranges do not depend on the order of the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .scoring import ratio_estimate

Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8 %: Φ⁻¹(0.999)
RANK_DRAWS = 1000
RANK_SEED = 20050415  # fixed: the same figures give the same ranges on every page load

ABOVE = "above"
WITHIN = "within"
BELOW = "below"
NOT_ENOUGH = "not_enough"
CLASSES = (ABOVE, WITHIN, BELOW, NOT_ENOUGH)


@dataclass(frozen=True)
class Point:
    """One unit's inputs: its key (for a stable order), responses, and its ratio sums."""

    key: str
    responses: int
    sx: float  # rated answers
    sy: float  # satisfied answers under the chosen method
    sxx: float
    syy: float
    sxy: float


@dataclass(frozen=True)
class Placed:
    """One unit on the funnel plot."""

    key: str
    rate: float | None  # 0–1
    variance: float | None
    n_eff: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    classification: str
    beyond998: bool  # outside the 99.8 % limits too (the stronger signal)


def ratio_variance(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Var(Σy/Σx) with the response as the cluster: the intervals' own estimator (reports.scoring)."""
    return ratio_estimate(int(n), sx, sy, sxx, syy, sxy).variance


def effective_size(rate: float, variance: float | None, answers: float) -> float:
    """n_eff = r(1 − r)/Var, capped at the rated answers; the rated answers when r is 0 or 1 or Var is 0."""
    if variance is None or variance <= 0 or rate <= 0 or rate >= 1:
        return float(answers)
    return min(rate * (1.0 - rate) / variance, float(answers))


def limits(centre: float, n: float, z: float) -> tuple[float, float]:
    """Control limits p₀ ± z·√(p₀(1 − p₀)/n), clipped to 0–1."""
    if n <= 0:
        return 0.0, 1.0
    half = z * math.sqrt(centre * (1.0 - centre) / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def pooled_rate(sx: float, sy: float) -> float | None:
    return sy / sx if sx > 0 else None


def place(point: Point, centre: float | None, min_responses: int) -> Placed:
    """Where one unit lies against the centre and its control limits."""
    if point.sx <= 0 or point.responses <= 0:
        return Placed(point.key, None, None, None, None, None, None, None, NOT_ENOUGH, False)
    rate = point.sy / point.sx
    variance = ratio_variance(point.responses, point.sx, point.sy, point.sxx, point.syy, point.sxy)
    n_eff = effective_size(rate, variance, point.sx)
    if centre is None:
        return Placed(point.key, rate, variance, n_eff, None, None, None, None, NOT_ENOUGH, False)
    lo95, hi95 = limits(centre, n_eff, Z95)
    lo998, hi998 = limits(centre, n_eff, Z998)
    if point.responses < min_responses:
        cls, strong = NOT_ENOUGH, False
    elif rate > hi95:
        cls, strong = ABOVE, rate > hi998
    elif rate < lo95:
        cls, strong = BELOW, rate < lo998
    else:
        cls, strong = WITHIN, False
    return Placed(point.key, rate, variance, n_eff, lo95, hi95, lo998, hi998, cls, strong)


def rank_ranges(
    placed: Sequence[Placed], *, draws: int = RANK_DRAWS, seed: int = RANK_SEED
) -> dict[str, tuple[int, int]]:
    """The 2.5–97.5 % range of each rankable unit's rank (1 = highest) over simulated draws.

    Rankable: classified (enough answers) with a rate. A unit without a variance (fewer than two
    responses) cannot be rankable, so every rankable unit has one; a zero variance draws its rate.
    Equal draws (only units of zero variance and equal rates can tie) share the better rank.
    """
    units = sorted((p for p in placed if p.classification != NOT_ENOUGH and p.rate is not None), key=lambda p: p.key)
    if not units:
        return {}
    k = len(units)
    rates = np.array([p.rate for p in units], dtype=float)
    sd = np.sqrt(np.array([p.variance or 0.0 for p in units], dtype=float))
    rng = np.random.default_rng(seed)
    sample = rates[None, :] + rng.standard_normal((draws, k)) * sd[None, :]
    order = np.argsort(-sample, axis=1)
    rows = np.arange(draws)[:, None]
    ranks = np.empty((draws, k), dtype=np.int32)
    position = np.broadcast_to(np.arange(1, k + 1, dtype=np.int32), (draws, k))
    if np.count_nonzero(sd == 0) > 1:
        # Ties are possible: a value equal to the one before it takes that one's rank.
        sorted_vals = np.take_along_axis(sample, order, axis=1)
        tied = np.zeros((draws, k), dtype=bool)
        tied[:, 1:] = sorted_vals[:, 1:] == sorted_vals[:, :-1]
        position = np.maximum.accumulate(np.where(tied, 0, position), axis=1)
    ranks[rows, order] = position
    ranks.sort(axis=0)
    low = ranks[math.floor(0.025 * (draws - 1))]
    high = ranks[math.ceil(0.975 * (draws - 1))]
    return {p.key: (int(lo), int(hi)) for p, lo, hi in zip(units, low, high)}


def funnel_curve(
    centre: float, n_min: float, n_max: float, z: float, steps: int = 60
) -> list[tuple[float, float, float]]:
    """(n, lower, upper) along a log-spaced range of sizes, to draw the funnel's limit lines."""
    n_min = max(n_min, 1.0)
    n_max = max(n_max, n_min * 1.01)
    out = []
    for i in range(steps + 1):
        n = math.exp(math.log(n_min) + (math.log(n_max) - math.log(n_min)) * i / steps)
        lo, hi = limits(centre, n, z)
        out.append((n, lo, hi))
    return out
