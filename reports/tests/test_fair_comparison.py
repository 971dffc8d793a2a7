"""/compare/, the unit page, the export and the API carry the same funnel classes, rank ranges,
response rates and Decision 766 points (issue 17)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from reports.tests.factories import make_score
from surveys.models import Response
from surveys.tests.factories import make_receipt, make_response, make_standard_survey

OCT = date(2025, 10, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.anydb]


def score(unit, n: int, k: int, *, index_766: float | None = None):
    """n responses of 5 rated answers, k of them all satisfied and the rest none: r = k/n, n_eff = n − 1."""
    return make_score(
        unit,
        start=OCT,
        index=100.0 * k / n,
        responses=n,
        sum_x2=25 * n,
        sum_y2_sipas=25 * k,
        sum_xy_sipas=25 * k,
        **({"index_766": index_766} if index_766 is not None else {}),
    )


@pytest.fixture
def league(city):
    # Centre: the city's pooled rate 0.80 (400 of 500). At n_eff = 100 the 95 % limits are
    # 0.8 ± 1.96·0.04 = [0.7216, 0.8784], the 99.8 % ones [0.6764, 0.9236].
    score(city.root, 500, 400)
    score(city.ward_a, 101, 91, index_766=80.0)  # r = 0.901: above (not beyond 99.8 %); 766 r = 0.80
    score(city.ward_b, 101, 70)  # r = 0.693: below
    score(city.centre_a, 41, 33)  # r = 0.805: as expected
    score(city.department, 10, 10)  # too few responses
    return city


@pytest.fixture
def receipts(league):
    """Ward A: 4 receipts in October 2025, 3 answered (one at a kiosk too); ward B: 5 issued, 1 answered."""
    version = make_standard_survey(league.root)
    at = timezone.make_aware(datetime(2025, 10, 10, 9, 0))
    for i in range(4):
        r = make_receipt(league.ward_a, issued_at=at + timedelta(hours=i))
        if i < 3:
            make_response(version, league.ward_a, [4] * 16, receipt=r, submitted_at=at + timedelta(hours=i, minutes=5))
            r.used_at = at + timedelta(hours=i, minutes=5)
            r.save()
    make_response(version, league.ward_a, [5] * 16, channel="kiosk", submitted_at=at)
    for i in range(5):
        r = make_receipt(league.ward_b, issued_at=at + timedelta(hours=i))
        if i == 0:
            r.used_at = at
            r.save()
    return league


def admin_client(client, city):
    client.force_login(city.dana)
    return client


def test_compare_shows_classes_and_rank_ranges(client, league):
    html = admin_client(client, league).get("/compare/", {"period": "2025-10", "lang": "en"}).content.decode()
    assert 'data-testid="funnel-plot"' in html
    rows = {
        code: html.split(f'<tr data-code="{code}">')[1].split("</tr>")[0]
        for code in ("00004", "00008", "00004-BPMC", "SO-TP")
    }
    assert "cls-above" in rows["00004"]
    assert "cls-below" in rows["00008"]
    assert "cls-within" in rows["00004-BPMC"]
    assert "cls-not_enough" in rows["SO-TP"]
    assert 'data-testid="rank-range"' in rows["00004"]
    # The funnel names the units outside its limits.
    assert "fp-above" in html and 'data-code="00004"' in html.split('data-testid="funnel-plot"')[1]


def test_compare_export_carries_the_same_class_rank_range_rate_and_points(client, receipts):
    c = admin_client(client, receipts)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = c.get("/compare/export/csv/", {"period": "2025-10"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    head, rows = table[0], {r[1]: dict(zip(table[0], r)) for r in table[1:]}
    cls = next(h for h in head if h.startswith("Classification") or "funnel" in h)
    assert rows["00004"][cls] and rows["00008"][cls] and rows["00004"][cls] != rows["00008"][cls]
    api = c.get("/api/v1/comparison/", {"period": "2025-10"}).json()
    by_code = {r["unit"]: r for r in api["results"]}
    assert by_code["00004"]["classification"] == "above"
    assert by_code["00008"]["classification"] == "below"
    assert by_code["00004-BPMC"]["classification"] == "within"
    assert by_code["SO-TP"]["classification"] == "not_enough" and by_code["SO-TP"]["rank_range"] is None
    low, high = by_code["00004"]["rank_range"]
    rank_col = next(h for h in head if "2.5" in h)
    assert rows["00004"][rank_col] == (f"{low}" if low == high else f"{low}–{high}")
    # Coverage: ward A 3 of 4 answered, ward B 1 of 5 (below the 30 % floor).
    assert by_code["00004"]["coverage"]["receipts_issued"] == 4
    assert by_code["00004"]["coverage"]["receipts_answered"] == 3
    assert by_code["00004"]["coverage"]["response_rate"] == 0.75
    assert by_code["00004"]["coverage"]["kiosk_sessions"] == 1
    assert by_code["00004"]["coverage"]["responses_by_channel"]["receipt"] == 3
    assert by_code["00008"]["coverage"]["below_floor"] is True
    assert by_code["00008"]["coverage"]["receipts_expired"] == 4  # issued October 2025, 30 days to answer
    assert by_code["00004"]["coverage"]["below_floor"] is False
    # The city counts its sub-units' receipts.
    assert by_code["01"]["coverage"]["receipts_issued"] == 9
    rate_col = next(h for h in head if h.startswith("Response rate (%)"))
    assert rows["00004"][rate_col] == "75.0" and rows["00008"][rate_col] == "20.0"
    # Decision 766 (our reading): r = 404/505 = 0.80 → 6 × 0.80/0.90 = 5.333; no dossiers → 6.
    assert by_code["00004"]["decision_766"] == {
        "numerator": 404,
        "denominator": 505,
        "share": 80.0,
        "points": 5.333,
        "no_dossiers": False,
    }
    points_col = next(h for h in head if h.startswith("Decision 766 points"))
    assert rows["00004"][points_col] == "5.33"


def test_compare_sorts_by_response_rate_with_units_without_receipts_last(client, receipts):
    html = (
        admin_client(client, receipts)
        .get("/compare/", {"period": "2025-10", "sort": "response_rate", "order": "desc"})
        .content.decode()
    )
    import re

    codes = re.findall(r'<tr data-code="([^"]+)"', html)
    assert codes[:2] == ["00004", "01"]  # 75 %, then the city's 4 of 9 = 44 %
    assert codes.index("00008") < codes.index("SO-TP")
    assert "low-coverage" in html.split('<tr data-code="00008">')[1].split("</tr>")[0]


def test_a_units_page_shows_its_coverage_yardstick_and_sub_units_funnel(client, receipts):
    html = admin_client(client, receipts).get("/units/01/", {"period": "2025-10"}).content.decode()
    assert 'data-testid="coverage"' in html and 'data-testid="yardstick"' in html
    assert 'data-testid="unit-response-rate"' in html
    children = html.split('data-testid="children-table"')[1].split("</table>")[0]
    assert "cls-above" in children and "cls-below" in children
    assert "766/QĐ-TTg" in html


def test_the_coverage_of_a_unit_page_counts_excluded_responses_nowhere(client, receipts):
    Response.objects.filter(channel="kiosk").update(excluded=True)
    api = admin_client(client, receipts).get("/api/v1/comparison/", {"period": "2025-10", "parent": "01"}).json()
    ward_a = next(r for r in api["results"] if r["unit"] == "00004")
    assert ward_a["coverage"]["kiosk_sessions"] == 0


def test_the_comparison_api_refuses_a_parent_outside_the_callers_scope(client, league):
    client.force_login(league.charlie)
    assert client.get("/api/v1/comparison/", {"parent": "00004"}).status_code == 404
    assert client.get("/api/v1/comparison/", {"period": "2025-13"}).status_code == 400


def test_open_data_freezes_the_same_classes_rank_ranges_and_rates(client, receipts):
    c = admin_client(client, receipts)
    assert c.post("/manage/open-data/", {"unit": "01", "period": "2025-10", "note": ""}).status_code == 302
    assert c.post("/manage/open-data/01/2025-10/action/", {"action": "publish"}).status_code == 302
    api = {r["unit"]: r for r in c.get("/api/v1/comparison/", {"period": "2025-10", "parent": "01"}).json()["results"]}
    c.logout()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = c.get("/open-data/01/2025-10/csv/")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    rows = {r[1]: dict(zip(table[0], r)) for r in table[1:]}
    cls = "Classification (funnel plot, 95% limits)"
    assert rows["00004"][cls].startswith("Above expected") and api["00004"]["classification"] == "above"
    assert rows["00008"][cls].startswith("Below expected") and api["00008"]["classification"] == "below"
    assert rows["00004"]["Response rate (%)"] == "75.0"
    assert rows["00008"]["Response rate below the floor"] == "yes"
    html = c.get("/open-data/01/2025-10/").content.decode()
    assert "cls-above" in html.split('<tr data-code="00004">')[1].split("</tr>")[0]


def test_the_map_colours_areas_by_class_and_lists_units_without_a_boundary(client, league, tmp_path):
    import json

    from django.core.management import call_command

    square = [[[105.80, 21.00], [105.81, 21.00], [105.81, 21.01], [105.80, 21.01], [105.80, 21.00]]]
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": square}}
        for code in ("00004", "99999")
    ]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    call_command("load_boundaries", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    html = admin_client(client, league).get("/compare/", {"period": "2025-10"}).content.decode()
    svg = html.split('data-testid="map"')[1].split("</svg>")[0]
    assert 'data-code="00004" data-class="above"' in svg
    assert "Phường Ba Đình" in svg.split('data-code="00004"')[1].split("</path>")[0]  # named for screen readers
    missing = html.split('data-testid="map-missing"')[1].split("</p>")[0]
    assert "Phường Ngọc Hà" in missing  # a ward without a boundary is listed
    assert "Sở Tư pháp" not in missing  # a department is not an area
    assert 'data-testid="map-table"' in html


def test_without_any_boundary_the_compare_page_has_no_map_and_still_works(client, league):
    response = admin_client(client, league).get("/compare/", {"period": "2025-10"})
    assert response.status_code == 200
    assert 'data-testid="map"' not in response.content.decode()


def test_the_unit_xlsx_export_has_coverage_and_yardstick_sheets(client, receipts):
    import openpyxl

    c = admin_client(client, receipts)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = c.get("/units/01/export/xlsx/", {"period": "2025-10"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    coverage = list(book["Response rate and coverage"].values)
    by_code = {row[0]: dict(zip(coverage[0], row)) for row in coverage[1:]}
    assert by_code["01"]["Receipts issued"] == 9
    assert by_code["00004"]["Response rate (%)"] == 75.0
    assert by_code["00008"]["Response rate below the floor"] == "yes"
    sheet = next(name for name in book.sheetnames if name.startswith("Decision 766 yardstick"))
    yardstick = list(book[sheet].values)
    october = next(r for r in yardstick[1:] if r[1] == "2025-10")
    # The city: 2,500 rated answers, 88 % not dissatisfied → 6 × 0.88/0.90 = 5.87 points.
    assert october[2:] == (2200, 2500, 88.0, 5.87)


def test_the_centre_unit_is_the_reference_not_a_class_but_keeps_a_rank_range(client, league):
    api = admin_client(client, league).get("/api/v1/comparison/", {"period": "2025-10"}).json()
    city = next(r for r in api["results"] if r["unit"] == "01")
    assert api["centre"] == {"unit": "01", "index": 80.0}
    assert city["classification"] == "centre" and city["rank_range"] is not None


def test_coverage_counts_responses_by_respondent_kind(client, receipts):
    from surveys.models import Response

    Response.objects.filter(unit=receipts.ward_a, channel="receipt").update(respondent_kind="organisation")
    Response.objects.filter(unit=receipts.ward_a, channel="kiosk").update(respondent_kind="individual")
    api = admin_client(client, receipts).get("/api/v1/comparison/", {"period": "2025-10"}).json()
    ward_a = next(r for r in api["results"] if r["unit"] == "00004")
    assert ward_a["coverage"]["responses_by_respondent_kind"] == {"individual": 1, "organisation": 3, "unknown": 0}


def test_rank_ranges_of_a_large_comparison_are_simulated_once_for_the_same_figures(monkeypatch):
    from reports import fairness, funnel

    placed = [
        funnel.place(funnel.Point(f"u{i:03d}", 100, 100, 70 + i % 25, 100, 70 + i % 25, 70 + i % 25), 0.8, 30)
        for i in range(60)
    ]
    calls = []
    real = funnel.rank_ranges
    monkeypatch.setattr(funnel, "rank_ranges", lambda p: calls.append(1) or real(p))
    first = fairness._cached_rank_ranges(placed)
    assert fairness._cached_rank_ranges(list(reversed(placed))) == first
    assert len(calls) == 1
    changed = [*placed[:-1], funnel.place(funnel.Point("u059", 100, 100, 99, 100, 99, 99), 0.8, 30)]
    fairness._cached_rank_ranges(changed)
    assert len(calls) == 2  # other figures, another simulation
