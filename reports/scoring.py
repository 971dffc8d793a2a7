"""The scoring method of DESIGN.md, as pure functions (no Django): testable on their own.

Every figure is finished from additive sums over responses (the response is the cluster):
n responses, Σx (rated answers), Σy (satisfied answers), Σx², Σy², Σxy, where for one
response x = its rated answers and y = its satisfied answers. Two methods share x:

- SIPAS: y counts answers rated 4–5 ("satisfied");
- Decision 766: y counts answers not rated 1–2, i.e. 3–5 ("not dissatisfied").

Index = 100 · Σy / Σx (a ratio estimator). Its variance is the linearised (Taylor) one:

    r = Σy / Σx,  Σe² = Σy² − 2r·Σxy + r²·Σx²,  Var(r) = n / (n − 1) · Σe² / (Σx)²

The 95% interval is the Korn–Graubard interval of the NCHS Data Presentation Standards for
Proportions (2017): the Clopper–Pearson (exact binomial) interval computed on the effective
sample size instead of the actual one,

    n_eff = r(1 − r) / Var(r), capped at Σx (the rated answers); n_eff = Σx when r is 0 or 1
            or when Var(r) is 0 (every response has the same share);
    x_eff = r · n_eff
    low   = B⁻¹(0.025; x_eff, n_eff − x_eff + 1)      (0 when x_eff = 0)
    high  = B⁻¹(0.975; x_eff + 1, n_eff − x_eff)      (1 when x_eff = n_eff)

where B⁻¹(p; a, b) is the p-quantile of the Beta(a, b) distribution. Unlike the Wald interval
r ± 1.96·√Var(r) it never collapses to zero width at 0 % or 100 % and never leaves 0–100.
(Adaptation, written down: the NCHS degrees-of-freedom factor (t₀.₉₇₅,ₙ₋₁ / t₀.₉₇₅,df)² is 1
here, since the design has one stratum and a response per cluster: df = n − 1 clusters.)
With fewer than two responses the variance cannot be estimated and the interval is left empty
(None / NaN). When the beta quantile cannot be computed (SciPy missing) the Wilson interval on
the same n_eff is used instead (`INTERVAL_FALLBACK`), and each run records which method it used.

A change between two periods is computed only when both periods have enough responses
(MIN_RESPONSES_FOR_RANKING): a month of 33 answers is not compared with a month of 2. It is
significant when a two-sided z-test of equal ratios rejects at 5%:
|r₁ − r₀| / √(Var₁ + Var₀) > 1.96. When both variances are zero (every response identical)
the test cannot be run and the change is not marked.

Periods are calendar periods of local dates (Asia/Ho_Chi_Minh): day, month, quarter, year
(`reports.periods`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
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


# --------------------------------------------------------------------------- one figure


INTERVAL_METHOD = "korn-graubard"
INTERVAL_FALLBACK = "wilson-neff"


def interval_method() -> str:
    """The interval this installation computes: Korn–Graubard, or Wilson on n_eff without SciPy."""
    try:
        import scipy.special  # noqa: F401
    except ImportError:  # pragma: no cover - SciPy is pinned; this is the documented fallback
        return INTERVAL_FALLBACK
    return INTERVAL_METHOD


def effective_size(r, variance, answers):
    """n_eff = r(1 − r)/Var(r) capped at the rated answers; the rated answers when r is 0 or 1
    or Var(r) is 0. Arrays or scalars; NaN where the variance is unknown."""
    r = np.asarray(r, dtype=float)
    variance = np.asarray(variance, dtype=float)
    answers = np.asarray(answers, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(variance > 0, r * (1.0 - r) / np.where(variance > 0, variance, 1.0), np.inf)
        degenerate = (r <= 0.0) | (r >= 1.0) | ~(raw > 0)
        n_eff = np.where(degenerate, answers, np.minimum(raw, answers))
        return np.where(np.isfinite(variance) & (answers > 0), n_eff, np.nan)


def korn_graubard(r, variance, answers, *, method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """95% interval (0–1 scale) of a ratio r with linearised variance, Korn–Graubard (see module)."""
    method = method or interval_method()
    r = np.asarray(r, dtype=float)
    n_eff = effective_size(r, variance, answers)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == INTERVAL_METHOD:
            from scipy.special import betaincinv

            x = r * n_eff
            low = np.where(x > 0, betaincinv(np.where(x > 0, x, 1.0), n_eff - x + 1.0, 0.025), 0.0)
            high = np.where(x < n_eff, betaincinv(x + 1.0, np.where(x < n_eff, n_eff - x, 1.0), 0.975), 1.0)
        else:
            z2 = Z95 * Z95
            centre = (r + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
            half = Z95 / (1 + z2 / n_eff) * np.sqrt(r * (1 - r) / n_eff + z2 / (4 * n_eff * n_eff))
            low, high = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
        unknown = ~np.isfinite(n_eff)
        return np.where(unknown, np.nan, low), np.where(unknown, np.nan, high)


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
    low, high = korn_graubard(r, variance, sx)
    return Estimate(100.0 * r, 100.0 * float(low), 100.0 * float(high), variance)


def change_test(
    current: Estimate,
    previous: Estimate,
    *,
    responses: int | None = None,
    previous_responses: int | None = None,
    min_responses: int = 0,
) -> tuple[float | None, bool]:
    """Change in index points and whether it is significant at 5% (two-sided z-test).

    None when either period has fewer than `min_responses` responses: not comparable."""
    if current.index is None or previous.index is None:
        return None, False
    if min_responses and ((responses or 0) < min_responses or (previous_responses or 0) < min_responses):
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
        low, high = korn_graubard(r, variance, sx)
        return {"index": 100.0 * r, "ci_low": 100.0 * low, "ci_high": 100.0 * high, "variance": variance}


def change_arrays(
    index, variance, prev_index, prev_variance, responses=None, prev_responses=None, min_responses: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """`change_test` over numpy arrays: (change in points or NaN, significant)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.asarray(index, dtype=float) - np.asarray(prev_index, dtype=float)
        if min_responses:
            comparable = (np.asarray(responses, dtype=float) >= min_responses) & (
                np.asarray(prev_responses, dtype=float) >= min_responses
            )
            change = np.where(comparable, change, np.nan)
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
