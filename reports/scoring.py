"""The scoring method of DESIGN.md, as pure functions (no Django): testable on their own.

Every figure is finished from additive sums over responses (the response is the cluster):
n responses, Σx (rated answers), Σy (satisfied answers), Σx², Σy², Σxy, where for one
response x = its rated answers and y = its satisfied answers. Two methods share x:

- SIPAS: y counts answers rated 4–5 ("satisfied");
- Decision 766: y counts answers not rated 1–2, i.e. 3–5 ("not dissatisfied").

Index = 100 · Σy / Σx (a ratio estimator). Its variance is the linearised (Taylor) one:

    r = Σy / Σx,  Σe² = Σy² − 2r·Σxy + r²·Σx²,  Var(r) = n / (n − 1) · Σe² / (Σx)²

so the 95% interval is 100 · (r ± 1.96 · √Var(r)), clipped to 0–100. With fewer than two
responses the variance cannot be estimated and the interval is left empty (None / NaN).

A change between two periods is significant when a two-sided z-test of equal ratios rejects at
5%: |r₁ − r₀| / √(Var₁ + Var₀) > 1.96. When both variances are zero (every response identical)
the test cannot be run and the change is not marked.

Periods are calendar periods of local dates (Asia/Ho_Chi_Minh): day, month, quarter, year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

Z95 = 1.959963984540054
PERIOD_TYPES = ("day", "month", "quarter", "year")
# The additive sums, in the order used by the rollup's frames and the Score columns.
SUM_COLUMNS = (
    "responses",
    "answers",
    "satisfied",
    "not_dissatisfied",
    "dissatisfied",
    "sum_values",
    "sum_x2",
    "sum_y2_sipas",
    "sum_xy_sipas",
    "sum_y2_766",
    "sum_xy_766",
)


# --------------------------------------------------------------------------- periods


def period_start(day: date, period_type: str) -> date:
    """The first day of the period of `period_type` that contains `day`."""
    if period_type == "day":
        return day
    if period_type == "month":
        return day.replace(day=1)
    if period_type == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period_type == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown period type {period_type!r}")


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def next_period_start(start: date, period_type: str) -> date:
    """The start of the period after the one starting at `start`."""
    if period_type == "day":
        return start + timedelta(days=1)
    if period_type == "month":
        return _add_months(start, 1)
    if period_type == "quarter":
        return _add_months(start, 3)
    if period_type == "year":
        return date(start.year + 1, 1, 1)
    raise ValueError(f"unknown period type {period_type!r}")


def previous_period_start(start: date, period_type: str) -> date:
    """The start of the period before the one starting at `start`."""
    if period_type == "day":
        return start - timedelta(days=1)
    if period_type == "month":
        return _add_months(start, -1)
    if period_type == "quarter":
        return _add_months(start, -3)
    if period_type == "year":
        return date(start.year - 1, 1, 1)
    raise ValueError(f"unknown period type {period_type!r}")


# --------------------------------------------------------------------------- one figure


@dataclass(frozen=True)
class Estimate:
    """A ratio estimate in percent with its 95% interval (None where it cannot be computed)."""

    index: float | None
    ci_low: float | None
    ci_high: float | None
    variance: float | None  # of the ratio r (0–1 scale), for change tests


def _clean_residual(residual, scale):
    """Σe² computed by subtraction loses ~1e-16 of the terms' size: anything within 1e-9 of the
    scale is rounding, not variance (e.g. when every response agrees, the interval must be 0 wide)."""
    return (
        np.where(residual <= 1e-9 * scale, 0.0, residual)
        if isinstance(residual, np.ndarray)
        else (0.0 if residual <= 1e-9 * scale else residual)
    )


def ratio_estimate(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> Estimate:
    """Index (0–100) and 95% interval of Σy/Σx with the response as the cluster."""
    if n <= 0 or sx <= 0:
        return Estimate(None, None, None, None)
    r = sy / sx
    if n < 2:
        return Estimate(100.0 * r, None, None, None)
    if all(float(v).is_integer() for v in (sx, sy, sxx, syy, sxy)):
        # Σe² = (Σx²·Σy² − 2·Σx·Σy·Σxy + Σy²·Σx²)/Σx² exactly, in integers: no cancellation error.
        sx_i, sy_i = int(sx), int(sy)
        numerator = sx_i * sx_i * int(syy) - 2 * sx_i * sy_i * int(sxy) + sy_i * sy_i * int(sxx)
        residual = max(numerator, 0) / (sx_i * sx_i)
    else:
        residual = _clean_residual(syy - 2.0 * r * sxy + r * r * sxx, syy + r * r * sxx)
    variance = n / (n - 1) * residual / (sx * sx)
    half = Z95 * math.sqrt(variance)
    return Estimate(100.0 * r, max(0.0, 100.0 * (r - half)), min(100.0, 100.0 * (r + half)), variance)


def change_test(current: Estimate, previous: Estimate) -> tuple[float | None, bool]:
    """Change in index points and whether it is significant at 5% (two-sided z-test)."""
    if current.index is None or previous.index is None:
        return None, False
    change = current.index - previous.index
    if current.variance is None or previous.variance is None:
        return change, False
    se = math.sqrt(current.variance + previous.variance)
    if se == 0.0:
        return change, False
    return change, abs(change / 100.0) / se > Z95


def mean_score(answers: int, sum_values: int) -> float | None:
    """Mean rating 1–5 of the rated answers."""
    return sum_values / answers if answers > 0 else None


# --------------------------------------------------------------------------- vectorised


def ratio_estimate_arrays(n, sx, sy, sxx, syy, sxy) -> dict[str, np.ndarray]:
    """`ratio_estimate` over numpy arrays; NaN stands for None."""
    n = np.asarray(n, dtype=float)
    sx = np.asarray(sx, dtype=float)
    sy = np.asarray(sy, dtype=float)
    sxx = np.asarray(sxx, dtype=float)
    syy = np.asarray(syy, dtype=float)
    sxy = np.asarray(sxy, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = (n > 0) & (sx > 0)
        r = np.where(valid, sy / np.where(sx > 0, sx, 1.0), np.nan)
        residual = _clean_residual(syy - 2.0 * r * sxy + r * r * sxx, syy + r * r * sxx)
        variance = np.where(valid & (n >= 2), n / np.where(n > 1, n - 1, 1.0) * residual / (sx * sx), np.nan)
        half = Z95 * np.sqrt(variance)
        return {
            "index": 100.0 * r,
            "ci_low": np.clip(100.0 * (r - half), 0.0, 100.0),
            "ci_high": np.clip(100.0 * (r + half), 0.0, 100.0),
            "variance": variance,
        }


def change_arrays(index, variance, prev_index, prev_variance) -> tuple[np.ndarray, np.ndarray]:
    """`change_test` over numpy arrays: (change in points or NaN, significant)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.asarray(index, dtype=float) - np.asarray(prev_index, dtype=float)
        se = np.sqrt(np.asarray(variance, dtype=float) + np.asarray(prev_variance, dtype=float))
        z = np.abs(change / 100.0) / se
        significant = np.nan_to_num(z, nan=0.0, posinf=0.0) > Z95
        significant &= np.isfinite(se) & (se > 0)
    return change, significant


def finish(sums: dict[str, np.ndarray], min_responses: int) -> dict[str, np.ndarray]:
    """Every finished figure of a batch of rows from their additive sums (see SUM_COLUMNS)."""
    n = np.asarray(sums["responses"], dtype=float)
    answers = np.asarray(sums["answers"], dtype=float)
    sipas = ratio_estimate_arrays(
        n, answers, sums["satisfied"], sums["sum_x2"], sums["sum_y2_sipas"], sums["sum_xy_sipas"]
    )
    d766 = ratio_estimate_arrays(
        n, answers, sums["not_dissatisfied"], sums["sum_x2"], sums["sum_y2_766"], sums["sum_xy_766"]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(
            answers > 0, np.asarray(sums["sum_values"], dtype=float) / np.where(answers > 0, answers, 1), np.nan
        )
    return {
        "mean": mean,
        "index_sipas": sipas["index"],
        "ci_low_sipas": sipas["ci_low"],
        "ci_high_sipas": sipas["ci_high"],
        "var_sipas": sipas["variance"],
        "index_766": d766["index"],
        "ci_low_766": d766["ci_low"],
        "ci_high_766": d766["ci_high"],
        "var_766": d766["variance"],
        "enough_responses": n >= min_responses,
    }
