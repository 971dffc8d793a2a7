"""Kiosk mode: the short questions, channel kiosk, retries with one key, revocation, rate limit."""

from __future__ import annotations

import uuid

import pytest

from agencies.tests.factories import make_service_point
from surveys.manage.services import kiosk_register, kiosk_revoke
from surveys.models import Response, SurveyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(city, standard):
    return kiosk_register(service_point=make_service_point(city.ward_a), label="Quầy 1")


def kiosk_post(version, **extra):
    data = {"version": str(version.pk), "idempotency_key": str(uuid.uuid4())}
    for q in version.questions.filter(on_kiosk=True):
        data[f"q{q.pk}"] = "5"
    data.update(extra)
    return data


def test_kiosk_page_shows_only_the_short_questions_without_navigation(client, kiosk, standard):
    html = client.get(f"/k/{kiosk.token}/").content.decode()
    assert html.count("<fieldset") == standard.questions.filter(on_kiosk=True).count() == 5
    assert "navbar" not in html
    assert "js/kiosk.js" in html
    assert "<script>" not in html  # no inline script: the CSP will forbid it


def test_kiosk_answers_are_stored_once_with_channel_kiosk(client, kiosk, standard):
    data = kiosk_post(standard)
    first = client.post(f"/k/{kiosk.token}/answers/", data, HTTP_ACCEPT="application/json")
    retry = client.post(f"/k/{kiosk.token}/answers/", data, HTTP_ACCEPT="application/json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["ok"] and retry.json()["ok"]
    response = Response.objects.get()
    assert response.channel == "kiosk"
    assert response.kiosk == kiosk
    assert response.service_point == kiosk.service_point
    assert response.unit == kiosk.service_point.unit
    assert response.answers.count() == 5


def test_kiosk_without_javascript_posts_the_form_and_returns_to_the_start(client, kiosk, standard):
    response = client.post(f"/k/{kiosk.token}/", kiosk_post(standard))
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    page = thanks.content.decode()
    # Without JavaScript the page refreshes back to the start; with it, a script that a touch can stop does.
    assert '<noscript><meta http-equiv="refresh" content="5;url=/k/' in page
    assert 'id="kiosk-restart" href="/k/' in page and "js/kiosk_thanks.js" in page
    assert Response.objects.filter(channel="kiosk").count() == 1


def test_kiosk_refuses_incomplete_answers_with_messages(client, kiosk, standard):
    data = kiosk_post(standard)
    data.pop(next(k for k in data if k.startswith("q")))
    response = client.post(f"/k/{kiosk.token}/answers/", data)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Response.objects.exists()


def test_revoked_kiosk_opens_nothing_and_stores_nothing(client, kiosk, standard):
    kiosk_revoke(kiosk=kiosk)
    assert client.get(f"/k/{kiosk.token}/").status_code == 404
    assert client.post(f"/k/{kiosk.token}/answers/", kiosk_post(standard)).status_code == 404
    assert client.get("/k/not-a-token/").status_code == 404
    assert not Response.objects.exists()


def test_kiosk_is_rate_limited_per_device_but_retries_are_not_counted(client, kiosk, standard, settings):
    settings.SURVEY_RATE_LIMITS = {"kiosk": (3, 60, 60)}
    stored = []
    for _ in range(3):
        data = kiosk_post(standard)
        assert client.post(f"/k/{kiosk.token}/answers/", data).status_code == 201
        stored.append(data)
    # Resending an answer already stored is always acknowledged.
    assert client.post(f"/k/{kiosk.token}/answers/", stored[0]).status_code == 200
    over = client.post(f"/k/{kiosk.token}/answers/", kiosk_post(standard))
    assert over.status_code == 429
    assert int(over["Retry-After"]) > 0
    assert Response.objects.count() == 3


def test_answers_kept_offline_across_a_republication_are_still_stored(client, kiosk, standard):
    from django.utils import timezone

    from surveys.models import Survey, SurveyVersion
    from surveys.standard import add_standard_questions

    queued = kiosk_post(standard)  # answered on the tablet while the network was down
    standard.status, standard.closed_at = "closed", timezone.now()
    standard.save()
    replacement = SurveyVersion.objects.create(
        survey=Survey.objects.create(owner=kiosk.unit, slug="new"), title_vi="Mới", status="published"
    )
    add_standard_questions(replacement)
    response = client.post(f"/k/{kiosk.token}/answers/", queued)
    assert response.status_code == 201
    assert Response.objects.get().version == standard
    # A version closed long ago, or of another unit, is not accepted.
    standard.closed_at = timezone.now() - timezone.timedelta(days=3)
    standard.save()
    assert client.post(f"/k/{kiosk.token}/answers/", kiosk_post(standard)).status_code == 400


def test_a_survey_without_kiosk_questions_shows_all_of_them(client, kiosk, standard):
    from surveys.standard import add_standard_questions

    # A published version is frozen (issue 14): the new version is drafted, edited, then published.
    draft = SurveyVersion.objects.create(survey=standard.survey, number=2, title_vi=standard.title_vi)
    add_standard_questions(draft)
    draft.questions.update(on_kiosk=False)
    SurveyVersion.objects.filter(pk=standard.pk).update(status="closed")
    SurveyVersion.objects.filter(pk=draft.pk).update(status="published")
    html = client.get(f"/k/{kiosk.token}/").content.decode()
    assert html.count("<fieldset") == draft.questions.count()
