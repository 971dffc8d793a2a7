"""Open data: administrators publish a period's ranking (opt-in); anyone reads published ones only."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from reports.models import OpenDataPublication
from reports.tests.factories import make_unit_scores

OCT = date(2025, 10, 1)


@pytest.fixture
def scored(city, settings):
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=OCT, index=90.0)
    make_unit_scores(city.ward_b, start=OCT, index=80.0)
    make_unit_scores(city.department, start=OCT, index=99.0, responses=10)
    return city


def _publish(client, city, period="2025-10"):
    client.force_login(city.dana)
    response = client.post("/manage/open-data/", {"unit": "01", "period": period, "note": "Kỳ tháng 10"})
    assert response.status_code == 302
    assert client.post(f"/manage/open-data/01/{period}/action/", {"action": "publish"}).status_code == 302
    client.logout()


@pytest.mark.django_db
def test_nothing_is_public_until_published(client, scored):
    client.force_login(scored.dana)
    client.post("/manage/open-data/", {"unit": "01", "period": "2025-10"})
    client.logout()
    assert client.get("/open-data/01/2025-10/").status_code == 404
    assert client.get("/open-data/01/2025-10/csv/").status_code == 404
    assert "2025" not in client.get("/open-data/").content.decode().split("<main")[1]
    client.force_login(scored.alice)  # staff of the unit's subtree? alice sees ward A only, not the city
    assert client.get("/open-data/01/2025-10/").status_code == 404


@pytest.mark.django_db
def test_published_ranking_is_readable_without_login_as_page_and_csv(client, scored):
    _publish(client, scored)
    listing = client.get("/open-data/").content.decode()
    assert "/open-data/01/2025-10/" in listing
    page = client.get("/open-data/01/2025-10/").content.decode()
    assert "Ba Dinh Ward" in page and "90.0" in page and "Kỳ tháng 10" in page
    body = b"".join(client.get("/open-data/01/2025-10/csv/").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "Rank (SIPAS)"
    assert [(r[0], r[1]) for r in rows[1:3]] == [("1", "00004"), ("2", "00008")]
    assert rows[0][3] == "Kind of unit" and rows[1][3] == "ward, commune, special zone"
    assert rows[0][8] == "SIPAS index (%)"
    assert rows[3][1] == "SO-TP" and rows[3][0] == "" and rows[3][8] == ""  # not enough answers: no rank, no index


@pytest.mark.django_db
def test_units_are_ranked_among_their_peers_only(client, city, settings):
    """A department is not ranked beside wards: each peer group has its own ranks, wards first."""
    settings.LANGUAGE_CODE = "en"
    make_unit_scores(city.ward_a, start=OCT, index=90.0)
    make_unit_scores(city.ward_b, start=OCT, index=80.0)
    make_unit_scores(city.department, start=OCT, index=99.0)
    _publish(client, city)
    page = client.get("/open-data/01/2025-10/").content.decode()
    assert page.index("ward, commune, special zone") < page.index("Ba Dinh Ward") < page.index("department<")
    body = b"".join(client.get("/open-data/01/2025-10/csv/").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("1", "00004", "ward, commune, special zone"),
        ("2", "00008", "ward, commune, special zone"),
        ("1", "SO-TP", "department"),
    ]
    frozen = OpenDataPublication.objects.get().rows
    assert [(r["group"], r["rank"]) for r in frozen] == [("local", 1), ("local", 2), ("department", 1)]


@pytest.mark.django_db
def test_published_figures_are_frozen_until_published_again(client, scored):
    _publish(client, scored)
    from reports.models import Score

    Score.objects.filter(unit=scored.ward_a, dimension__isnull=True).update(index_sipas=10.0)
    assert "90.0" in client.get("/open-data/01/2025-10/").content.decode()
    client.force_login(scored.dana)
    client.post("/manage/open-data/01/2025-10/action/", {"action": "publish"})
    assert "10.0" in client.get("/open-data/01/2025-10/").content.decode()


@pytest.mark.django_db
def test_withdrawn_ranking_is_no_longer_public(client, scored):
    _publish(client, scored)
    client.force_login(scored.dana)
    client.post("/manage/open-data/01/2025-10/action/", {"action": "withdraw"})
    client.logout()
    assert client.get("/open-data/01/2025-10/").status_code == 404


@pytest.mark.django_db
def test_only_administrators_of_the_unit_publish(client, scored):
    client.force_login(scored.bob)
    assert client.get("/manage/open-data/").status_code == 403
    _publish(client, scored)
    client.force_login(scored.bob)
    assert client.post("/manage/open-data/01/2025-10/action/", {"action": "withdraw"}).status_code == 403
    assert OpenDataPublication.objects.get().status == "published"


@pytest.mark.django_db
def test_publication_form_errors(client, scored):
    client.force_login(scored.dana)
    for data in (
        {"unit": "01", "period": "bad"},
        {"unit": "00008", "period": "2025-10"},
        {"unit": "01"},
        {"unit": "NOPE", "period": "2025-10"},
    ):
        response = client.post("/manage/open-data/", data)
        assert response.status_code == 400, data
    client.post("/manage/open-data/", {"unit": "01", "period": "2025-10"})
    response = client.post("/manage/open-data/", {"unit": "01", "period": "2025-10"})
    assert response.status_code == 400 and "already a publication" in response.content.decode()


@pytest.mark.django_db
def test_unknown_publications_are_404(client, scored):
    for url in ("/open-data/01/2025-13/", "/open-data/NOPE/2025-10/", "/open-data/01/2024-10/csv/"):
        assert client.get(url).status_code == 404
