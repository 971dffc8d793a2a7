"""The comparison: fair ranks (enough answers only), significant changes only, sorting and filters."""

from __future__ import annotations

from datetime import date

import pytest

from agencies.models import Unit
from agencies.tests.factories import make_procedure, make_unit
from reports.periods import Period
from reports.selectors import comparison, sort_comparison
from reports.tests.factories import make_score, make_unit_scores
from surveys.standard import ensure_dimensions

OCT = date(2025, 10, 1)


def _codes_in_table(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-code="([^"]+)"', html)


@pytest.fixture
def league(city):
    """Ward A 90 (significant rise), ward B 80, department 85 with too few answers, the centre 80 too."""
    make_unit_scores(city.ward_a, start=OCT, index=90.0, change=5.0, significant=True)
    make_unit_scores(city.ward_b, start=OCT, index=80.0, change=-2.0, significant=False)
    make_unit_scores(city.department, start=OCT, index=99.0, responses=10)
    make_unit_scores(city.centre_a, start=OCT, index=80.0)
    make_unit_scores(city.root, start=OCT, index=84.0, responses=500)
    return city


@pytest.mark.django_db
def test_ranks_only_units_with_enough_answers_and_ties_share_a_rank(league):
    rows = comparison(units=Unit.objects.filter(parent__isnull=False), period=Period.parse("2025-10"))
    ranks = {r.unit.code: r.rank for r in rows}
    assert ranks == {"SO-TP": None, "00004": 1, "00008": 2, "00004-BPMC": 2}


@pytest.mark.django_db
def test_rank_by_a_dimension_uses_that_dimension(league):
    dims = ensure_dimensions()
    make_score(
        league.ward_b,
        start=OCT,
        index=95.0,
        dimension=dims["feedback"],
        procedure=None,
        responses=41,
        period_type="month",
        scope="own",
    )  # other scope: ignored
    rows = comparison(
        units=Unit.objects.filter(code__in=["00004", "00008"]), period=Period.parse("2025-10"), dimension=dims["access"]
    )
    assert {r.unit.code: r.focus.index for r in rows} == {"00004": 86.0, "00008": 76.0}


@pytest.mark.django_db
def test_sort_puts_missing_figures_last_in_both_directions(league):
    rows = comparison(units=Unit.objects.all(), period=Period.parse("2025-10"))
    for descending in (False, True):
        ordered = [r.unit.code for r in sort_comparison(rows, "index", descending)]
        assert ordered[-1] == "SO-TP"
    assert [r.unit.code for r in sort_comparison(rows, "index", True)][:2] == ["00004", "01"]


@pytest.mark.django_db
def test_compare_page_marks_only_significant_changes(client, league, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(league.dana)
    html = client.get("/compare/", {"period": "2025-10"}).content.decode()
    assert "▲ 5.0" in html
    assert "▼" not in html.split("<tbody>")[1].split("</tbody>")[0]
    assert "Not enough answers" in html


@pytest.mark.django_db
def test_compare_sorts_by_any_column(client, league):
    client.force_login(league.dana)
    by_name = _codes_in_table(client.get("/compare/", {"period": "2025-10", "sort": "code"}).content.decode())
    assert by_name == sorted(by_name)
    by_responses = _codes_in_table(
        client.get("/compare/", {"period": "2025-10", "sort": "responses", "order": "desc"}).content.decode()
    )
    assert by_responses[0] == "01" and by_responses[-1] == "SO-TP"
    by_dim = _codes_in_table(
        client.get("/compare/", {"period": "2025-10", "sort": "dim_results", "order": "asc"}).content.decode()
    )
    assert by_dim[:2] in (["00008", "00004-BPMC"], ["00004-BPMC", "00008"])


@pytest.mark.django_db
def test_compare_filters_by_kind_parent_and_procedure(client, league):
    client.force_login(league.dana)
    wards = _codes_in_table(client.get("/compare/", {"period": "2025-10", "kind": "ward"}).content.decode())
    assert sorted(wards) == ["00004", "00008"]
    children = _codes_in_table(client.get("/compare/", {"period": "2025-10", "parent": "00004"}).content.decode())
    assert children == ["00004-BPMC"]
    procedure = make_procedure(code="2.000001")
    make_score(league.ward_b, start=OCT, index=61.5, procedure=procedure)
    html = client.get(
        "/compare/", {"period": "2025-10", "procedure": "2.000001", "sort": "index", "order": "desc"}
    ).content.decode()
    assert _codes_in_table(html)[0] == "00008" and "61" in html


@pytest.mark.django_db
def test_dissolved_units_leave_the_table_unless_asked_for(client, league):
    league.ward_b.active = False
    league.ward_b.save()
    client.force_login(league.dana)
    assert "00008" not in _codes_in_table(client.get("/compare/", {"period": "2025-10"}).content.decode())
    assert "00008" in _codes_in_table(client.get("/compare/", {"period": "2025-10", "former": "on"}).content.decode())


@pytest.mark.django_db
def test_staff_compare_only_their_subtree(client, league):
    client.force_login(league.alice)
    codes = _codes_in_table(client.get("/compare/", {"period": "2025-10"}).content.decode())
    assert sorted(codes) == ["00004", "00004-BPMC"]


@pytest.mark.django_db
def test_staff_cannot_filter_by_a_parent_they_cannot_see(client, league):
    client.force_login(league.alice)
    response = client.get("/compare/", {"period": "2025-10", "parent": "01"})
    assert response.status_code == 400
    assert sorted(_codes_in_table(response.content.decode())) == ["00004", "00004-BPMC"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password"},
        {"sort": "dim_nope"},
        {"order": "sideways"},
        {"period": "2025-Q9"},
        {"kind": "planet"},
        {"method": "guess"},
        {"dimension": "x"},
        {"procedure": "x" * 50},
        {"page": "-1"},
    ],
)
def test_malformed_compare_filters_are_form_errors(client, league, params):
    client.force_login(league.dana)
    response = client.get("/compare/", params)
    assert response.status_code == (200 if "page" in params else 400)


@pytest.mark.django_db
def test_heat_map_has_a_cell_per_unit_and_element(client, league):
    client.force_login(league.dana)
    html = client.get("/compare/", {"period": "2025-10"}).content.decode()
    heat = html.split('data-testid="heatmap"')[1]
    assert heat.count("heat-") >= 5 * 5
    assert "heat-5" in heat and "heat-na" in heat


@pytest.mark.django_db
def test_many_units_are_paginated_but_ranked_together(client, city):
    for i in range(120):
        unit = make_unit(parent=city.root, code=f"X{i:03d}")
        make_score(unit, start=OCT, index=50 + i * 0.4)
    client.force_login(city.dana)
    from reports.views.compare import COMPARE_PAGE_SIZE

    first = _codes_in_table(client.get("/compare/", {"period": "2025-10"}).content.decode())
    assert len(first) == COMPARE_PAGE_SIZE and first[0] == "X119"
    last = _codes_in_table(client.get("/compare/", {"period": "2025-10", "page": "99"}).content.decode())
    assert "X000" in last
