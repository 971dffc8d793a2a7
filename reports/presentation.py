"""The presentation standard: whether a figure is shown, shown with a warning, or suppressed — one rule
for the dashboard, the compare page, exports, the API and open data (DESIGN.md, Presentation standard).

Our adaptation of the NCHS Data Presentation Standards for Proportions (2017), which judge a
proportion by its sample size, its effective sample size and the width of its Korn–Graubard
interval (all in percentage points here):

1. fewer than MIN_RESPONSES_FOR_RANKING responses (30)            → suppressed ("not enough answers");
2. effective sample size n_eff below 30                            → suppressed (answers too clustered);
3. interval width ≥ 30 points                                      → suppressed (too uncertain);
4. interval width > 5 points and more than 130 % of the index      → suppressed (too uncertain for its size);
5. otherwise shown; with a warning when the interval is wider than 20 points (our addition: NCHS
   flags on degrees of freedom below 8, which 30 responses always exceed), or when the index is
   0 or 100 % (NCHS: "may be presented, flagged": the interval is one-sided).

Rules 2–4 need the interval and n_eff; a row without them (under two responses) is suppressed by
rule 1 anyway. No database access; the reasons are lazy translations.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

RELIABLE = "reliable"
WARNING = "warning"
SUPPRESSED = "suppressed"

MIN_EFFECTIVE_SIZE = 30
MAX_WIDTH = 30.0
RELATIVE_WIDTH_FLOOR = 5.0
MAX_RELATIVE_WIDTH = 1.30
WARNING_WIDTH = 20.0


@dataclass(frozen=True)
class Verdict:
    status: str  # reliable | warning | suppressed
    reason: str  # a code: "" (reliable), too_few_responses, small_effective_size, wide_interval, …
    detail: object = ""  # the reason in the user's language (lazy)

    @property
    def shown(self) -> bool:
        return self.status != SUPPRESSED


def _reason_text(code: str, minimum: int, responses: int) -> str:
    if code == "too_few_responses":
        return ngettext(
            "Not enough answers: %(n)s response, fewer than %(min)s",
            "Not enough answers: %(n)s responses, fewer than %(min)s",
            responses,
        ) % {"n": responses, "min": minimum}
    return {
        "small_effective_size": gettext("Hidden: the answers are too clustered (effective sample size under 30)"),
        "wide_interval": gettext("Hidden: the 95% interval is 30 points wide or more"),
        "wide_relative_interval": gettext("Hidden: the 95% interval is too wide for so small a figure"),
        "warning_width": gettext("Uncertain: the 95% interval is wider than 20 points"),
        "warning_extreme": gettext("Every answer agrees: the interval is one-sided"),
    }.get(code, "")


_reason_lazy = lazy(_reason_text, str)


def judge(
    *,
    responses: int,
    index: float | None,
    low: float | None,
    high: float | None,
    n_eff: float | None,
    min_responses: int,
) -> Verdict:
    """The verdict for one figure (index and interval in percent)."""

    def verdict(status: str, code: str) -> Verdict:
        return Verdict(status, code, _reason_lazy(code, min_responses, responses) if code else "")

    if responses < min_responses or index is None:
        return verdict(SUPPRESSED, "too_few_responses")
    if n_eff is not None and n_eff < MIN_EFFECTIVE_SIZE:
        return verdict(SUPPRESSED, "small_effective_size")
    if low is not None and high is not None:
        width = high - low
        if width >= MAX_WIDTH:
            return verdict(SUPPRESSED, "wide_interval")
        if width > RELATIVE_WIDTH_FLOOR and index > 0 and width / index > MAX_RELATIVE_WIDTH:
            return verdict(SUPPRESSED, "wide_relative_interval")
        if width > WARNING_WIDTH:
            return verdict(WARNING, "warning_width")
    if index in (0.0, 100.0):
        return verdict(WARNING, "warning_extreme")
    return verdict(RELIABLE, "")


def judge_row(row, method: str, min_responses: int) -> Verdict:
    """The verdict for a Score row (model instance or `.values()` dict) under `method` (sipas | 766)."""
    get = row.get if isinstance(row, dict) else lambda name, default=None: getattr(row, name, default)
    return judge(
        responses=get("responses", 0) or 0,
        index=get(f"index_{method}"),
        low=get(f"ci_low_{method}"),
        high=get(f"ci_high_{method}"),
        n_eff=get(f"n_eff_{method}"),
        min_responses=min_responses,
    )
