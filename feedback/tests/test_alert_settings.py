"""Per-person alert settings: each person chooses their alerts and the language of the e-mails."""

from __future__ import annotations

import pytest

from feedback.models import AlertPreference


@pytest.mark.django_db
def test_a_manager_turns_alerts_off_and_chooses_english(client, city):
    client.force_login(city.bob)
    page = client.get("/account/alerts/").content.decode()
    assert "e-mail" in page
    posted = client.post("/account/alerts/", {"fall": "on", "funnel": "on", "digest": "", "language": "en"})
    assert posted.status_code == 302
    pref = AlertPreference.objects.get(user=city.bob)
    assert pref.fall and pref.funnel and not pref.low_comment and not pref.digest and pref.language == "en"


@pytest.mark.django_db
def test_an_unknown_language_is_refused_and_nothing_changes(client, city):
    client.force_login(city.bob)
    response = client.post("/account/alerts/", {"fall": "on", "language": "xx"})
    assert response.status_code == 400 and "xx" in response.content.decode()
    assert AlertPreference.objects.get(user=city.bob).language == "vi"


@pytest.mark.django_db
def test_managers_find_plans_and_alerts_on_the_manage_page_staff_do_not(client, city):
    client.force_login(city.bob)
    page = client.get("/manage/").content.decode()
    assert "/manage/plans/" in page and "/account/alerts/" in page
    client.force_login(city.alice)
    assert "/manage/plans/" not in client.get("/manage/").content.decode()
