"""CSV and XLSX exports of exactly what a dashboard shows.

Rules protected: every figure column names its method and every row its period, so a figure
never travels without its meaning; an empty selection still gives a valid file with its headers;
CSV is streamed row by row (UTF-8 with a byte-order mark, so that Excel reads Vietnamese), XLSX
is built with pandas + openpyxl with a second sheet describing the selection.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .figures import CompareRow, Figures
from .periods import Period
from .selectors import UnitDashboard, method_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _n(value: float | None, enough: bool = True) -> float | None:
    return None if value is None or not enough else round(value, 2)


def figure_columns() -> list[str]:
    return [
        _("Responses"),
        _("Rated answers"),
        _("Enough answers"),
        _("Mean score (1–5)"),
        _("SIPAS index (%)"),
        _("SIPAS 95% interval, low"),
        _("SIPAS 95% interval, high"),
        _("Decision 766 index (%)"),
        _("Decision 766 95% interval, low"),
        _("Decision 766 95% interval, high"),
        _("Presentation (SIPAS)"),
        _("Presentation (Decision 766)"),
        _("Why hidden or uncertain"),
        _("Method"),
    ]


PRESENTATION_LABELS = {"reliable": _("reliable"), "warning": _("shown with a warning"), "suppressed": _("hidden")}


def figure_values(f: Figures, method_text: str = "") -> list[Any]:
    """Figures only where the presentation rule (reports.presentation) shows them, the verdict and its
    reason beside them, and the method they were computed with: an export must not carry a
    misleading number, nor a number without its meaning."""
    sipas, d766 = f.verdict_for("sipas"), f.verdict_for("766")
    reasons = []
    for verdict in (sipas, d766):
        if verdict.detail and str(verdict.detail) not in reasons:
            reasons.append(str(verdict.detail))
    return [
        f.responses,
        f.answers,
        _("yes") if f.enough_responses else _("no"),
        _n(f.mean, f.enough_responses),
        _n(f.index_sipas, sipas.shown),
        _n(f.ci_low_sipas, sipas.shown),
        _n(f.ci_high_sipas, sipas.shown),
        _n(f.index_766, d766.shown),
        _n(f.ci_low_766, d766.shown),
        _n(f.ci_high_766, d766.shown),
        PRESENTATION_LABELS[sipas.status] if f.has_data else "",
        PRESENTATION_LABELS[d766.status] if f.has_data else "",
        "; ".join(reasons) if f.has_data else "",
        method_text,
    ]


def _channel_item(c) -> str:
    note = _("counted in the official scores") if c.official else _("reported separately, not in the official scores")
    return _("Channel: %(channel)s (%(note)s)") % {"channel": c.label, "note": note}


def channel_values(c, method_text: str = "") -> list[Any]:
    """A channel's figures (reports.channels.ChannelFigures) in the columns of `figure_columns`."""
    sipas, d766 = c.verdict_sipas, c.verdict_766
    reasons = []
    for verdict in (sipas, d766):
        if verdict.detail and str(verdict.detail) not in reasons:
            reasons.append(str(verdict.detail))
    enough = c.responses >= int(settings.MIN_RESPONSES_FOR_RANKING)
    return [
        c.responses,
        c.answers,
        _("yes") if enough else _("no"),
        _n(c.mean, enough),
        _n(c.estimate_sipas.index, sipas.shown),
        _n(c.estimate_sipas.ci_low, sipas.shown),
        _n(c.estimate_sipas.ci_high, sipas.shown),
        _n(c.estimate_766.index, d766.shown),
        _n(c.estimate_766.ci_low, d766.shown),
        _n(c.estimate_766.ci_high, d766.shown),
        PRESENTATION_LABELS[sipas.status] if c.responses else "",
        PRESENTATION_LABELS[d766.status] if c.responses else "",
        "; ".join(reasons) if c.responses else "",
        method_text,
    ]


def change_label(f: Figures, method: str) -> str:
    change = f.change_766 if method == "766" else f.change_sipas
    significant = f.change_766_significant if method == "766" else f.change_sipas_significant
    if change is None or not f.enough:
        return ""
    return f"{change:+.1f}" + (" *" if significant else "")


# --------------------------------------------------------------------------- tables


def unit_tables(dash: UnitDashboard) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The unit page as tables: overall, elements, procedures, sub-units, monthly trend."""
    period_col, item_col = _("Reporting period"), _("Item")
    method = method_label()
    head = [_("Unit code"), _("Unit"), period_col, _("Answers counted"), item_col] + figure_columns()
    base = [dash.unit.code, dash.unit.name, dash.period.key, dash.scope]
    overall = [base + [_("Overall index")] + figure_values(dash.overall, method)]
    elements = [base + [d.name] + figure_values(f, method) for d, f in dash.dimension_rows]
    procedures = [base + [f"{p.code} {p.name}"] + figure_values(f, method) for p, f in dash.procedure_rows]
    children = [
        [c.code, c.name, dash.period.key, "subtree", _("Overall index")] + figure_values(f, method)
        for c, f in dash.children
    ]
    trend = [
        base[:2] + [point["period"].key, dash.scope, _("Overall index")] + figure_values(point["unit"], method)
        for point in dash.trend
    ]
    if dash.city is not None:
        trend += [
            [dash.city.code, dash.city.name, point["period"].key, "subtree", _("Overall index")]
            + figure_values(point["city"], method)
            for point in dash.trend
        ]
    channel_rows = [base + [_channel_item(c)] + channel_values(c, method) for c in dash.channels]
    return {
        _("Overall"): (head, overall),
        _("Elements"): (head, elements),
        _("Procedures"): (head, procedures),
        _("Sub-units"): (head, children),
        _("Monthly trend"): (head, trend),
        _("Channels"): (head, channel_rows),
    }


def unit_flat(dash: UnitDashboard) -> tuple[list[str], list[list[Any]]]:
    """All the unit tables in one, with a section column, for CSV."""
    tables = unit_tables(dash)
    head: list[str] = []
    rows: list[list[Any]] = []
    for section, (section_head, section_rows) in tables.items():
        head = [_("Section")] + section_head
        rows.extend([section] + r for r in section_rows)
    return head, rows


def compare_table(
    rows: list[CompareRow], *, period: Period, method: str, dims, focus=None
) -> tuple[list[str], list[list[Any]]]:
    """The comparison as shown: the figures are the focus's (the chosen element, else overall)."""
    method_text = method_label()
    method_label_ = "SIPAS" if method == "sipas" else _("Decision 766")
    focus_label = focus.name if focus is not None else _("overall index")
    head = (
        [
            _("Rank (%(method)s, %(focus)s)") % {"method": method_label_, "focus": focus_label},
            _("Unit code"),
            _("Unit"),
            _("Kind"),
            _("Reporting period"),
        ]
        + figure_columns()
        + [
            _("Change since previous period, %(method)s (points; * significant)") % {"method": method_label_},
        ]
        + [_("%(element)s, %(method)s index (%%)") % {"element": d.name, "method": method_label_} for d in dims]
    )
    body = []
    for row in rows:
        f = row.focus
        body.append(
            [row.rank or "", row.unit.code, row.unit.name, row.unit.get_kind_display(), period.key]
            + figure_values(f, method_text)
            + [change_label(f, method)]
            + [_n(d.index, d.enough) for d in row.dims]
        )
    return head, body


# --------------------------------------------------------------------------- responses


# A spreadsheet runs a cell that begins with one of these as a formula (=HYPERLINK(…) in a unit
# name, a comment or a survey title would reach whoever opens the export). OWASP's advice: prefix
# such a text cell with an apostrophe in CSV; in XLSX, write every text cell as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# A signed number of our own (a change "+5.0 *") calls nothing and stays as it is.
_SIGNED_NUMBER = re.compile(r"[+-]\d+(?:[.,]\d+)?(?: \*)?")


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet evaluates: text starting with = + - @ tab or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(head: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([neutralise(v) for v in head])
    for row in rows:
        yield writer.writerow(["" if v is None else neutralise(v) for v in row])


def csv_response(filename: str, head: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(head, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def csv_write(stream, head: list[str], rows: Iterable[list[Any]], *, on_row=None) -> int:
    """The same lines as `csv_response` streams (BOM, formula-safe cells), written to a text stream
    for a background export; `on_row(n)` is called every 500 rows. Returns the number of rows."""
    lines = _csv_lines(head, rows)
    stream.write(next(lines))  # the byte-order mark
    stream.write(next(lines))  # the header
    written = 0
    for line in lines:
        stream.write(line)
        written += 1
        if on_row is not None and written % 500 == 0:
            on_row(written)
    return written


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[list[Any]]]], about: list[tuple[str, str]]) -> bytes:
    """The workbook: one sheet per table (text cells never formulas), and an About sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, (head, rows) in sheets.items():
            frame = pd.DataFrame(rows, columns=head)
            frame.to_excel(writer, sheet_name=_sheet_name(name), index=False)
            sheet = writer.sheets[_sheet_name(name)]
            sheet.freeze_panes = "A2"
            _text_not_formulas(sheet)
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column[:200])
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
        info = about + [(_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M"))]
        pd.DataFrame(info, columns=[_("Field"), _("Value")]).to_excel(
            writer, sheet_name=_sheet_name(_("About")), index=False
        )
        _text_not_formulas(writer.sheets[_sheet_name(_("About"))])
    return buffer.getvalue()


def xlsx_response(
    filename: str, sheets: dict[str, tuple[list[str], list[list[Any]]]], about: list[tuple[str, str]]
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets, about), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@dataclass
class ExportContent:
    """One export's content, before it is a response (immediate) or a file (background job):
    `head` and `rows` for CSV, `sheets` and `about` for XLSX."""

    filename: str
    period: str
    head: list[str] | None = None
    rows: list[list[Any]] | None = None
    sheets: dict[str, tuple[list[str], list[list[Any]]]] | None = None
    about: list[tuple[str, str]] | None = None

    @property
    def row_count(self) -> int:
        if self.sheets is not None:
            return sum(len(rows) for _head, rows in self.sheets.values())
        return len(self.rows or [])

    def response(self) -> HttpResponse:
        if self.sheets is not None:
            return xlsx_response(self.filename, self.sheets, self.about or [])
        return csv_response(self.filename, self.head or [], self.rows or [])


def _text_not_formulas(sheet) -> None:
    """openpyxl stores a string beginning with '=' as a formula; every such cell is made text again."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _sheet_name(name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"


def method_notes() -> list[tuple[str, str]]:
    return [
        ("SIPAS", _("Share of rated answers scored 4 or 5 (satisfied), in %.")),
        (_("Decision 766"), _("Share of rated answers not scored 1 or 2 (not dissatisfied), in %.")),
        (
            _("95% interval"),
            _(
                "Korn–Graubard: Clopper–Pearson on the effective sample size; each response is a cluster of "
                "answers (linearised ratio estimator)."
            ),
        ),
        (_("Enough answers"), _("Indexes are given only for at least the minimum number of responses.")),
        (
            _("Presentation"),
            _(
                "A figure is hidden below the minimum responses, below an effective sample size of 30, or when its "
                "95% interval is 30 points wide or more (or wider than 130% of a small figure); it carries a "
                "warning when the interval is wider than 20 points or every answer agrees."
            ),
        ),
        (_("Scoring method"), method_label()),
    ]
