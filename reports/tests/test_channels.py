"""F6: receipt, kiosk and open-link answers are reported apart — on the dashboard, in exports and
in the API — and open-link answers enter the official scores only when the setting says so."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone, translation

from reports import rollup
from reports.channels import channel_breakdown
from reports.models import Score
from surveys.tests.factories import make_receipt, make_response, make_standard_survey

JUNE = date(2025, 6, 1)


def _at(day: int):
    return timezone.make_aware(datetime(2025, 6, day, 9), timezone.get_default_timezone())


@pytest.fixture
def answered(city):
    version = make_standard_survey(city.root)
    for i in range(3):
        make_response(version, city.ward_a, [5, 5], receipt=make_receipt(city.ward_a), submitted_at=_at(2 + i))
    for i in range(4):
        make_response(version, city.ward_a, [4, 2], channel="kiosk", submitted_at=_at(3 + i))
    for i in range(5):
        make_response(version, city.ward_a, [1, 1], channel="link", submitted_at=_at(4 + i))
    rollup.rollup_run(mode="full")
    return version


@pytest.mark.django_db
def test_open_link_answers_are_reported_apart_and_left_out_of_official_scores(answered, city, settings):
    month = Score.objects.in_scope("own").get(unit=city.ward_a, period_type="month", dimension=None, procedure=None)
    assert month.responses == 7  # receipt + kiosk only
    got = {c.channel: c for c in channel_breakdown(city.ward_a, scope="own", first=JUNE, last=date(2025, 6, 30))}
    assert {k: (c.responses, c.official) for k, c in got.items()} == {
        "receipt": (3, True),
        "kiosk": (4, True),
        "link": (5, False),
        "online": (0, True),  # every channel is listed; answers to online dossiers count (issue 17)
    }
    assert got["receipt"].estimate_sipas.index == 100.0 and got["link"].estimate_sipas.index == 0.0
    assert got["kiosk"].estimate_sipas.index == 50.0

    settings.INCLUDE_OPEN_LINK_IN_SCORES = True
    rollup.rollup_run(mode="incremental")  # a method change: runs in full
    month = Score.objects.in_scope("own").get(unit=city.ward_a, period_type="month", dimension=None, procedure=None)
    assert month.responses == 12
    assert {c.channel: c.official for c in channel_breakdown(city.ward_a, scope="own", first=JUNE, last=JUNE)} == {
        "receipt": True,
        "kiosk": True,
        "link": True,
        "online": True,
    }


@pytest.mark.django_db
def test_the_dashboard_export_and_api_break_figures_down_by_channel(answered, city, client):
    client.force_login(city.dana)
    html = client.get(f"/units/{city.ward_a.code}/", {"period": "2025-06", "scope": "own"}).content.decode()
    assert 'data-testid="channel-table"' in html
    assert 'data-channel="link"' in html and 'data-channel="kiosk"' in html and 'data-channel="receipt"' in html

    page = client.get(f"/units/{city.ward_a.code}/export/csv/", {"period": "2025-06", "scope": "own"})
    text = b"".join(page.streaming_content).decode("utf-8-sig")
    with translation.override("vi"):
        separate = translation.gettext("reported separately, not in the official scores")
    assert separate in text

    body = client.get("/api/v1/channels/", {"unit": city.ward_a.code, "period": "2025-06", "scope": "own"}).json()
    rows = {r["channel"]: r for r in body["results"]}
    assert rows["link"]["responses"] == 5 and rows["link"]["official"] is False
    assert rows["receipt"]["sipas"]["presentation"] == "suppressed"  # 3 responses: hidden, with the reason
    assert rows["receipt"]["sipas"]["index"] is None and rows["receipt"]["sipas"]["reason"]
    assert body["method"]["open_link_included"] is False
    bad = client.get("/api/v1/channels/", {"unit": city.ward_a.code, "period": "June"})
    assert bad.status_code == 400
