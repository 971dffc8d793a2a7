"""Channels reported apart: receipt, kiosk and open-link answers, each with its own figures.

DESIGN.md: open-link answers are reported separately and left out of official scores unless
settings.INCLUDE_OPEN_LINK_IN_SCORES includes them. The rollup keeps one ChannelDay row per
(unit, local day, channel) with the overall additive sums — built in SQL by reports/rollup/base.py in
the same runs that build DaySum (a full run rebuilds it, an incremental run the touched keys) — and
`channel_breakdown` sums them for a unit's own answers or its subtree over a period, finishing
each channel's figures with reports.scoring and judging them with reports.presentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from surveys.models import Response

from . import presentation, scoring

SUMS = (
    "responses",
    "answers",
    "satisfied",
    "not_dissatisfied",
    "sum_values",
    "sum_x2",
    "sum_y2_sipas",
    "sum_xy_sipas",
    "sum_y2_766",
    "sum_xy_766",
)
CHANNELS = [c for c, _label in Response.Channel.choices]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    label: str
    official: bool  # counted in the official scores under the current setting
    responses: int
    answers: int
    mean: float | None
    estimate_sipas: scoring.Estimate
    estimate_766: scoring.Estimate
    verdict_sipas: presentation.Verdict
    verdict_766: presentation.Verdict
    n_eff_sipas: float | None
    n_eff_766: float | None

    def as_dict(self) -> dict:
        def block(estimate: scoring.Estimate, verdict: presentation.Verdict, n_eff) -> dict:
            shown = verdict.shown
            return {
                "index": estimate.index if shown else None,
                "ci_low": estimate.ci_low if shown else None,
                "ci_high": estimate.ci_high if shown else None,
                "n_eff": n_eff,
                "presentation": verdict.status,
                "reason": str(verdict.detail),
            }

        return {
            "channel": self.channel,
            "official": self.official,
            "responses": self.responses,
            "answers": self.answers,
            "sipas": block(self.estimate_sipas, self.verdict_sipas, self.n_eff_sipas),
            "decision_766": block(self.estimate_766, self.verdict_766, self.n_eff_766),
        }


def is_official(channel: str) -> bool:
    return channel != Response.Channel.LINK or bool(settings.INCLUDE_OPEN_LINK_IN_SCORES)


def channel_breakdown(unit: Unit, *, scope: str, first: date, last: date) -> list[ChannelFigures]:
    """Figures per channel for `unit` (scope own: its answers; subtree: its closure) over the local
    days first..last, one entry per channel (with zero responses where none)."""
    if scope == "subtree":
        units = "SELECT descendant_id FROM reports_unitclosure WHERE ancestor_id = %s"
    else:
        units = "SELECT %s"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT channel, "
            + ", ".join(f"SUM({c})" for c in SUMS)
            + f" FROM reports_channelday WHERE unit_id IN ({units}) AND day >= %s AND day <= %s GROUP BY channel",
            [unit.pk, connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)],
        )
        found = {row[0]: [int(v or 0) for v in row[1:]] for row in cursor.fetchall()}
    labels = dict(Response.Channel.choices)
    minimum = int(settings.MIN_RESPONSES_FOR_RANKING)
    result = []
    for channel in CHANNELS:
        n, sx, ys, yn, sv, sxx, yys, xys, yyn, xyn = found.get(channel, [0] * len(SUMS))
        sipas = scoring.ratio_estimate(n, sx, ys, sxx, yys, xys)
        d766 = scoring.ratio_estimate(n, sx, yn, sxx, yyn, xyn)
        n_effs = [
            float(scoring.effective_size(e.index / 100.0, e.variance, sx)) if e.variance is not None else None
            for e in (sipas, d766)
        ]
        verdicts = [
            presentation.judge(
                responses=n, index=e.index, low=e.ci_low, high=e.ci_high, n_eff=n_eff, min_responses=minimum
            )
            for e, n_eff in zip((sipas, d766), n_effs, strict=True)
        ]
        result.append(
            ChannelFigures(
                channel=channel,
                label=str(labels.get(channel, channel)),
                official=is_official(channel),
                responses=n,
                answers=sx,
                mean=scoring.mean_score(sx, sv),
                estimate_sipas=sipas,
                estimate_766=d766,
                verdict_sipas=verdicts[0],
                verdict_766=verdicts[1],
                n_eff_sipas=n_effs[0],
                n_eff_766=n_effs[1],
            )
        )
    return result


def period_days(start: date, end_exclusive: date) -> tuple[date, date]:
    return start, end_exclusive - timedelta(days=1)


OFFICIAL_NOTE = _("counted in the official scores")
SEPARATE_NOTE = _("reported separately, not in the official scores")
