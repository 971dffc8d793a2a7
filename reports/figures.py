"""What a page shows of the stored scores: value objects over `Score.values()` rows, no queries.

`Figures` is one Score row with the chosen method's index, interval and change picked out, and the
presentation rule's verdict (`reports.presentation`); `UnitRow` and `CompareRow` are one unit of
the comparison. Built from plain dicts rather than model instances: the comparison holds thousands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import get_language

if TYPE_CHECKING:
    from surveys.models import Dimension

METHODS = ("sipas", "766")
SCORE_FIELDS = (
    "unit_id",
    "dimension_id",
    "procedure_id",
    "period_start",
    "responses",
    "answers",
    "mean",
    "index_sipas",
    "ci_low_sipas",
    "ci_high_sipas",
    "index_766",
    "ci_low_766",
    "ci_high_766",
    "enough_responses",
    "n_eff_sipas",
    "n_eff_766",
    "change_sipas",
    "change_sipas_significant",
    "change_766",
    "change_766_significant",
)

_EMPTY: dict[str, Any] = {}


def _field(name: str, default: Any = None) -> property:
    return property(lambda self: self._row.get(name, default))


def _method_field(stem: str) -> property:
    return property(lambda self: self._row.get(f"{stem}_{self._m}"))


class Figures:
    """One Score row's figures, with the chosen method's index, interval and change picked out.

    Built from `.values()` rather than model instances, and read lazily: the comparison holds
    thousands of these and shows a page of them. A missing row (no answers at all) gives empty
    figures with `responses == 0`.
    """

    __slots__ = ("_m", "_row", "method")

    def __init__(self, row: dict[str, Any] | None, method: str = "sipas") -> None:
        self._row = row or _EMPTY
        self.method = method
        self._m = "766" if method == "766" else "sipas"

    responses = _field("responses", 0)
    answers = _field("answers", 0)
    mean = _field("mean")
    index_sipas = _field("index_sipas")
    ci_low_sipas = _field("ci_low_sipas")
    ci_high_sipas = _field("ci_high_sipas")
    index_766 = _field("index_766")
    ci_low_766 = _field("ci_low_766")
    ci_high_766 = _field("ci_high_766")

    @property
    def verdict(self):
        """The presentation rule (reports.presentation) for the chosen method's index."""
        from .presentation import judge_row

        return judge_row(self._row, self._m, min_responses())

    def verdict_for(self, method: str):
        from .presentation import judge_row

        return judge_row(self._row, "766" if method == "766" else "sipas", min_responses())

    # "Enough to show": the one presentation rule decides (not only the response count), so that
    # every page, export and the API hide the same figures; `hidden_reason` says why.
    enough = property(lambda self: self.verdict.shown)
    enough_responses = property(lambda self: bool(self._row.get("enough_responses")))
    warning = property(lambda self: self.verdict.status == "warning")
    hidden_reason = property(lambda self: self.verdict.detail)
    change_sipas = _field("change_sipas")
    change_sipas_significant = property(lambda self: bool(self._row.get("change_sipas_significant")))
    change_766 = _field("change_766")
    change_766_significant = property(lambda self: bool(self._row.get("change_766_significant")))
    index = _method_field("index")
    low = _method_field("ci_low")
    high = _method_field("ci_high")
    change = _method_field("change")
    significant = property(lambda self: bool(self._row.get(f"change_{self._m}_significant")))

    @property
    def has_data(self) -> bool:
        return self.responses > 0

    @property
    def shown_index(self) -> float | None:
        """The index only when there are enough answers to say something; else None ("not enough answers")."""
        return self.index if self.enough else None

    @property
    def direction(self) -> str:
        """'up' or 'down' only for a significant change, so a ranking never moves on noise."""
        if not self.enough or not self.significant or self.change is None:
            return ""
        return "up" if self.change > 0 else "down" if self.change < 0 else ""


def min_responses() -> int:
    return settings.MIN_RESPONSES_FOR_RANKING


class UnitRow:
    """What the comparison shows of a unit, without building a thousand model instances."""

    __slots__ = ("_kinds", "code", "id", "kind", "name_en", "name_vi")

    def __init__(self, id: int, code: str, name_vi: str, name_en: str, kind: str, kinds: dict):
        self.id, self.code, self.name_vi, self.name_en, self.kind, self._kinds = id, code, name_vi, name_en, kind, kinds

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi

    def get_kind_display(self) -> str:
        return str(self._kinds.get(self.kind, self.kind))

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CompareRow:
    """One unit of the comparison. Element figures are loaded for the rows that need them only."""

    __slots__ = ("_by_dim", "_dims", "_method", "focus", "overall", "rank", "unit")

    def __init__(self, unit: UnitRow, overall: Figures, focus: Figures, dims: list[Dimension], method: str):
        self.unit, self.overall, self.focus, self.rank = unit, overall, focus, None
        self._dims, self._method = dims, method
        self._by_dim: dict[int, dict] = {}

    def dimension(self, dim: Dimension) -> Figures:
        return Figures(self._by_dim.get(dim.id), self._method)

    @property
    def dims(self) -> list[Figures]:
        """The element figures in the order of the columns."""
        return [Figures(self._by_dim.get(d.id), self._method) for d in self._dims]
