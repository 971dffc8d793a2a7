"""F1: every change that affects a score — excluding, counting again, moving, deleting a response —
reaches the scores with the next incremental rollup and is audited, whatever path made it: the
moderation services, the Django admin, or a raw ORM statement in the shell (database triggers mark
the keys). After each step every Score row equals the independent reference."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.html import escape

from agencies.models import AuditEvent
from reports import moderation, rollup
from reports.models import ModerationEvent, RollupDirtyKey
from reports.tests.test_rollup_reference import assert_matches_reference, random_responses
from surveys.models import Answer, Response
from surveys.tests.factories import make_standard_survey


@pytest.fixture
def seeded(city, settings):
    settings.ROLLUP_WATERMARK_OVERLAP_SECONDS = 0
    version = make_standard_survey(city.root)
    made = random_responses(city, version, random.Random(14), 60, [None], date(2025, 5, 1), 30)
    rollup.rollup_run(mode="full")
    assert_matches_reference()
    return [r for r in made if r.channel != "link"]


@pytest.fixture
def root_client(client, city):
    user = get_user_model().objects.create_superuser("root", "root@example.org", city.password)
    client.force_login(user)
    client.user = user
    return client


def _admin_post(client, response, **fields):
    data = {
        "language": response.language,
        "comment": response.comment,
        "moderation_reason": "",
        # The answers inline is read-only: an empty management form leaves it alone.
        "answers-TOTAL_FORMS": "0",
        "answers-INITIAL_FORMS": "0",
    }
    data.update({"excluded": "on"} if fields.pop("excluded", response.excluded) else {})
    data.update(fields)
    return client.post(f"/admin/surveys/response/{response.pk}/change/", data)


@pytest.mark.anydb
@pytest.mark.django_db
def test_excluding_in_the_admin_goes_through_moderation_and_reaches_the_scores(seeded, root_client):
    response = seeded[0]

    page = _admin_post(root_client, response, excluded=True, moderation_reason="test answer from the counter")

    assert page.status_code == 302
    response.refresh_from_db()
    assert response.excluded and response.excluded_reason == "test answer from the counter"
    assert ModerationEvent.objects.filter(response=response, action="exclude", actor=root_client.user).exists()
    assert AuditEvent.objects.filter(action="response_exclude", object_id=str(response.pk)).exists()
    run = rollup.rollup_run(mode="incremental")
    assert run.mode == "incremental"
    assert_matches_reference()

    _admin_post(root_client, response, excluded=False, moderation_reason="it was a real citizen")
    response.refresh_from_db()
    assert not response.excluded
    rollup.rollup_run(mode="incremental")
    assert_matches_reference()


@pytest.mark.django_db
def test_the_admin_refuses_an_exclusion_without_a_reason_and_changes_nothing(seeded, root_client):
    response = seeded[0]
    page = _admin_post(root_client, response, excluded=True)
    assert page.status_code == 200
    with translation.override("vi"):  # the admin speaks the user's language
        assert escape(translation.gettext("Say why this response is excluded.")) in page.content.decode()
    response.refresh_from_db()
    assert not response.excluded and not ModerationEvent.objects.exists()


@pytest.mark.anydb
@pytest.mark.django_db
def test_deleting_in_the_admin_is_audited_and_recomputed_incrementally(seeded, root_client):
    one, two, three = seeded[:3]

    page = root_client.post(f"/admin/surveys/response/{one.pk}/delete/", {"post": "yes"})
    assert page.status_code == 302
    page = root_client.post(
        "/admin/surveys/response/",
        {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
    )
    assert page.status_code == 302

    assert not Response.objects.filter(pk__in=[one.pk, two.pk, three.pk]).exists()
    assert AuditEvent.objects.filter(action="response_delete").count() == 3
    assert RollupDirtyKey.objects.exists()  # what the deleted responses leave for the rollup
    run = rollup.rollup_run(mode="incremental")
    assert run.mode == "incremental"
    assert_matches_reference()
    assert not RollupDirtyKey.objects.exists()  # consumed by the run that recomputed them


@pytest.mark.anydb
@pytest.mark.django_db
def test_changes_made_in_the_shell_without_any_service_still_reach_the_scores(seeded):
    # Raw statements that bump nothing: the database triggers mark the keys.
    Response.objects.filter(pk=seeded[0].pk).update(excluded=True)
    Response.objects.filter(pk=seeded[1].pk).delete()
    Answer.objects.filter(response=seeded[2], value__isnull=False).update(value=1)
    Answer.objects.filter(response=seeded[3]).delete()
    Response.objects.filter(pk=seeded[4].pk).update(submitted_at=seeded[4].submitted_at.replace(day=1, month=4))

    rollup.rollup_run(mode="incremental")

    assert_matches_reference()


@pytest.mark.anydb
@pytest.mark.django_db
def test_reassigning_a_response_moves_its_figures_between_units(seeded, city):
    response = next(r for r in seeded if r.unit_id == city.ward_a.pk)
    dana = city.dana  # administrator of the city

    moderation.response_reassign(response_id=response.pk, user=dana, unit=city.ward_b, reason="wrong counter")

    response.refresh_from_db()
    assert response.unit_id == city.ward_b.pk
    assert ModerationEvent.objects.filter(response=response, action="reassign").exists()
    assert AuditEvent.objects.filter(action="response_reassign", object_id=str(response.pk)).exists()
    rollup.rollup_run(mode="incremental")
    assert_matches_reference()


@pytest.mark.django_db
def test_only_those_allowed_may_move_or_delete_a_response(seeded, city):
    response = next(r for r in seeded if r.unit_id == city.ward_a.pk)
    with pytest.raises(PermissionDenied):  # bob manages ward A only
        moderation.response_reassign(response_id=response.pk, user=city.bob, unit=city.ward_b, reason="x")
    with pytest.raises(PermissionDenied):  # a manager may exclude, not delete
        moderation.response_delete(response_id=response.pk, user=city.bob, reason="x")
    with pytest.raises(ValidationError):
        moderation.response_delete(response_id=response.pk, user=city.dana, reason=" ")
    assert Response.objects.filter(pk=response.pk, unit=city.ward_a).exists()
    assert not RollupDirtyKey.objects.exists()


@pytest.mark.django_db
def test_the_moderate_command_goes_through_the_same_services(seeded, city):
    from django.core.management import CommandError, call_command

    response = next(r for r in seeded if r.unit_id == city.ward_a.pk)
    call_command("moderate", "exclude", str(response.pk), "--user", "bob", "--reason", "duplicate")
    response.refresh_from_db()
    assert response.excluded and ModerationEvent.objects.filter(response=response, actor=city.bob).exists()
    rollup.rollup_run(mode="incremental")
    assert_matches_reference()

    with pytest.raises(CommandError) as caught:
        call_command("moderate", "delete", str(response.pk), "--user", "bob", "--reason", "x")
    with translation.override("vi"):
        assert str(caught.value) == translation.gettext("Only an administrator of the unit may delete a response.")
    with pytest.raises(CommandError, match="no response #999999"):
        call_command("moderate", "include", "999999", "--user", "bob", "--reason", "x")
    call_command("moderate", "delete", str(response.pk), "--user", "dana", "--reason", "test data")
    rollup.rollup_run(mode="incremental")
    assert_matches_reference()
