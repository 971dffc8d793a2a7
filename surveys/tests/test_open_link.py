"""Open link /s/<survey>/<unit>/: allowed per survey, honeypot, rate limit, channel link."""

from __future__ import annotations

import pytest

from surveys.models import Response
from surveys.tests.conftest import rating_post

pytestmark = pytest.mark.django_db


def link(standard, unit) -> str:
    return f"/s/{standard.survey.slug}/{unit.code}/"


def test_open_link_stores_with_channel_link(client, city, standard):
    assert client.get(link(standard, city.ward_a)).status_code == 200
    response = client.post(link(standard, city.ward_a), rating_post(standard))
    assert response.status_code == 302
    stored = Response.objects.get()
    assert stored.channel == "link" and stored.receipt is None and stored.unit == city.ward_a


def test_honeypot_filled_stores_nothing_but_looks_like_success(client, city, standard):
    response = client.post(link(standard, city.ward_a), rating_post(standard, website="http://spam.example"))
    assert response.status_code == 302
    assert not Response.objects.exists()


def test_open_link_not_allowed_or_unit_outside_is_404(client, city, standard):
    from agencies.tests.factories import make_unit

    outsider = make_unit(kind="city", code="79")
    assert client.get(link(standard, outsider)).status_code == 404
    standard.survey.allow_open_link = False
    standard.survey.save()
    assert client.get(link(standard, city.ward_a)).status_code == 404


def test_open_link_is_rate_limited(client, city, standard, settings):
    settings.SURVEY_RATE_LIMITS = {"link": (2, 600, 600)}
    for _ in range(2):
        assert client.post(link(standard, city.ward_a), rating_post(standard)).status_code == 302
    assert client.post(link(standard, city.ward_a), rating_post(standard)).status_code == 429
    assert Response.objects.count() == 2
