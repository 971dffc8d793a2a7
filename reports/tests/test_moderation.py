"""Moderation: managers exclude and re-include responses with a reason; audited; scores follow."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reports import moderation, queueing
from reports.anonymity import reference as ref
from reports.models import ModerationEvent
from surveys.models import Response
from surveys.tests.factories import make_response, make_standard_survey


@pytest.fixture
def answered(city):
    version = make_standard_survey(city.root)
    city.response = make_response(version, city.ward_a, [5] * 16, comment="spam spam spam")
    city.other = make_response(version, city.ward_b, [1] * 16)
    return city


@pytest.mark.django_db
def test_manager_excludes_with_a_reason_and_it_is_audited(
    client, answered, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en"
    queued = []
    monkeypatch.setattr(queueing, "_send_rollup", lambda: queued.append(True))
    before = Response.objects.get(pk=answered.response.pk).changed_at
    client.force_login(answered.bob)
    url = f"/manage/moderation/{ref(answered.response.pk)}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "exclude", "reason": "spam"})
    assert response.status_code == 302
    r = Response.objects.get(pk=answered.response.pk)
    assert r.excluded and r.excluded_reason == "spam" and r.excluded_by == answered.bob
    assert r.excluded_at is not None and r.changed_at > before
    event = ModerationEvent.objects.get()
    assert (event.action, event.actor, event.reason) == ("exclude", answered.bob, "spam")
    assert queued == [True]  # queued once the transaction commits


@pytest.mark.django_db(transaction=True)
def test_reinclusion_needs_a_reason_and_keeps_the_history(client, answered, monkeypatch):
    monkeypatch.setattr(queueing, "_send_rollup", lambda: None)
    client.force_login(answered.bob)
    url = f"/manage/moderation/{ref(answered.response.pk)}/"
    client.post(url, {"action": "exclude", "reason": "other", "note": "thử nghiệm của cán bộ"})
    assert Response.objects.get(pk=answered.response.pk).excluded_reason.endswith("thử nghiệm của cán bộ")
    response = client.post(url, {"action": "include", "note": ""})
    assert response.status_code == 400 and Response.objects.get(pk=answered.response.pk).excluded
    client.post(url, {"action": "include", "note": "not spam after all"})
    r = Response.objects.get(pk=answered.response.pk)
    assert not r.excluded and r.excluded_reason == ""
    assert list(ModerationEvent.objects.order_by("id").values_list("action", flat=True)) == ["exclude", "include"]
    page = client.get(url).content.decode()
    assert "not spam after all" in page


@pytest.mark.django_db
def test_other_reason_needs_details(client, answered):
    client.force_login(answered.bob)
    response = client.post(f"/manage/moderation/{ref(answered.response.pk)}/", {"action": "exclude", "reason": "other"})
    assert response.status_code == 400
    assert not Response.objects.get(pk=answered.response.pk).excluded


@pytest.mark.django_db
def test_staff_and_outsiders_cannot_moderate(client, answered):
    url = f"/manage/moderation/{ref(answered.response.pk)}/"
    client.force_login(answered.alice)  # staff, not manager
    assert client.get("/manage/moderation/").status_code == 403
    assert client.post(url, {"action": "exclude", "reason": "spam"}).status_code == 404
    client.force_login(answered.bob)
    assert client.get(f"/manage/moderation/{ref(answered.other.pk)}/").status_code == 404
    assert not Response.objects.filter(excluded=True).exists()
    with pytest.raises(PermissionDenied):
        moderation.response_exclude(response_id=answered.other.pk, user=answered.bob, reason="spam")


@pytest.mark.django_db
def test_double_exclusion_is_refused_cleanly(answered, monkeypatch):
    monkeypatch.setattr(queueing, "_send_rollup", lambda: None)
    moderation.response_exclude(response_id=answered.response.pk, user=answered.dana, reason="duplicate")
    with pytest.raises(ValidationError):
        moderation.response_exclude(response_id=answered.response.pk, user=answered.dana, reason="duplicate")
    with pytest.raises(ValidationError):
        moderation.response_include(response_id=answered.other.pk, user=answered.dana, reason="x")


@pytest.mark.django_db
def test_moderation_list_shows_managed_units_with_filters(client, answered):
    client.force_login(answered.bob)
    html = client.get("/manage/moderation/").content.decode()
    assert "spam spam spam" in html and f"/manage/moderation/{ref(answered.other.pk)}/" not in html
    html = client.get("/manage/moderation/", {"status": "excluded"}).content.decode()
    assert "spam spam spam" not in html
    assert client.get("/manage/moderation/", {"unit": "00008", "page": "x"}).status_code == 200
