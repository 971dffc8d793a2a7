"""Exports carry exactly what is on screen, labelled with method and period; empty selections stay valid."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from reports.tests.factories import make_unit_scores

OCT = date(2025, 10, 1)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads Vietnamese only with the byte-order mark
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def scored(city, settings):
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=OCT, index=90.0, change=5.0, significant=True)
    make_unit_scores(city.ward_b, start=OCT, index=80.0)
    make_unit_scores(city.department, start=OCT, index=99.0, responses=10)
    return city


@pytest.mark.django_db
def test_compare_csv_is_the_filtered_sorted_table_with_labelled_figures(client, scored):
    client.force_login(scored.dana)
    response = client.get(
        "/compare/export/csv/", {"period": "2025-10", "kind": "ward", "sort": "index", "order": "asc"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="thuoc-do-so-sanh-2025-10.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    head = rows[0]
    assert "SIPAS index (%)" in head and "Decision 766 index (%)" in head and "Reporting period" in head
    assert head[0].startswith("Rank (SIPAS")
    assert [r[1] for r in rows[1:]] == ["00008", "00004"]
    assert all(r[head.index("Reporting period")] == "2025-10" for r in rows[1:])
    assert rows[2][head.index("SIPAS index (%)")] == "90.0"
    assert rows[2][head.index("Change since previous period, SIPAS (points; * significant)")] == "+5.0 *"


@pytest.mark.django_db
def test_exports_leave_out_indexes_with_too_few_answers(client, scored):
    client.force_login(scored.dana)
    rows = _csv(client.get("/compare/export/csv/", {"period": "2025-10", "kind": "department"}))
    head, (row,) = rows[0], rows[1:]
    assert row[head.index("SIPAS index (%)")] == "" and row[head.index("Enough answers")] == "no"
    assert row[0] == ""  # no rank


@pytest.mark.django_db
def test_empty_selection_gives_a_valid_file_with_headers(client, scored):
    client.force_login(scored.dana)
    rows = _csv(client.get("/compare/export/csv/", {"period": "2025-10", "kind": "special_zone"}))
    assert len(rows) == 1 and "SIPAS index (%)" in rows[0]
    response = client.get("/compare/export/xlsx/", {"period": "2025-10", "kind": "special_zone"})
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.max_row == 1 and "SIPAS index (%)" in [c.value for c in sheet[1]]


@pytest.mark.django_db
def test_compare_xlsx_has_the_table_and_a_sheet_describing_the_selection(client, scored):
    client.force_login(scored.dana)
    response = client.get("/compare/export/xlsx/", {"period": "2025-10", "method": "766", "kind": "ward"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    table, about = book.worksheets[0], book.worksheets[-1]
    head = [c.value for c in table[1]]
    assert head[0].startswith("Rank (Decision 766")
    assert sorted(table.cell(row=i, column=2).value for i in (2, 3)) == ["00004", "00008"]
    info = {r[0].value: r[1].value for r in about.iter_rows(min_row=2)}
    assert info["Reporting period"] == "month 10/2025" and info["Method"] == "Decision 766"


@pytest.mark.django_db
def test_unit_exports_cover_every_block_of_the_page(client, scored):
    client.force_login(scored.alice)
    rows = _csv(client.get("/units/00004/export/csv/", {"period": "2025-10"}))
    sections = {r[0] for r in rows[1:]}
    assert {"Overall", "Elements", "Monthly trend"} <= sections
    overall = next(r for r in rows if r[0] == "Overall")
    assert overall[rows[0].index("SIPAS index (%)")] == "90.0"
    book = load_workbook(io.BytesIO(client.get("/units/00004/export/xlsx/", {"period": "2025-10"}).content))
    assert {"Overall", "Elements", "Procedures", "Sub-units", "Monthly trend", "About"} <= set(book.sheetnames)


@pytest.mark.django_db
def test_exports_respect_access_and_unknown_formats(client, scored):
    client.force_login(scored.charlie)
    assert client.get("/units/00004/export/csv/").status_code == 404
    codes = [r[1] for r in _csv(client.get("/compare/export/csv/", {"period": "2025-10"}))[1:]]
    assert codes == ["00008"]
    assert client.get("/units/00008/export/pdf/").status_code == 404
    assert client.get("/compare/export/exe/").status_code == 404
