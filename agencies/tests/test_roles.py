"""Privileges follow roles (agencies.roles): is_staff / is_superuser derived on every path."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agencies.models import Membership
from agencies.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _flags(user) -> tuple[bool, bool]:
    user = get_user_model().objects.get(pk=user.pk)
    return user.is_staff, user.is_superuser


def test_add_member_as_city_administrator_grants_and_demotion_revokes(city):
    call_command("add_member", "erin", "--unit", city.root.code, "--role", "administrator")
    erin = get_user_model().objects.get(username="erin")
    assert _flags(erin) == (True, True)
    call_command("add_member", "erin", "--unit", city.root.code, "--role", "staff")
    assert _flags(erin) == (False, False)


def test_an_administrator_of_a_ward_is_admin_staff_but_not_a_superuser(city):
    call_command("add_member", "erin", "--unit", city.ward_a.code, "--role", "administrator")
    assert _flags(get_user_model().objects.get(username="erin")) == (True, False)


def test_deleting_every_membership_revokes(city):
    assert _flags(city.dana) == (True, True)  # the city administrator persona
    Membership.objects.filter(user=city.dana).delete()
    assert _flags(city.dana) == (False, False)


def test_changing_the_role_by_save_revokes_and_moving_a_membership_resyncs_the_old_holder(city):
    membership = Membership.objects.get(user=city.dana)
    membership.role = Membership.Role.MANAGER
    membership.save()
    assert _flags(city.dana) == (False, False)
    membership.role = Membership.Role.ADMINISTRATOR
    membership.save()
    assert _flags(city.dana) == (True, True)
    membership.user = city.alice
    membership.save()
    assert _flags(city.dana) == (False, False) and _flags(city.alice) == (True, True)


def test_flags_set_by_hand_on_a_member_are_put_back(city):
    city.alice.is_superuser = city.alice.is_staff = True
    city.alice.save()
    assert _flags(city.alice) == (False, False)


def test_bootstrap_superuser_without_a_role_keeps_its_flags_until_a_role_is_given(city):
    root = get_user_model().objects.create_superuser("ops", password="x-long-pass-123")
    root.save()
    assert _flags(root) == (True, True)
    Membership.objects.create(user=root, unit=city.ward_b, role=Membership.Role.STAFF)
    assert _flags(root) == (False, False)


def test_admin_deletes_and_edits_resync(client, city):
    client.force_login(city.dana)
    victim = make_user("frank", unit=city.root, role=Membership.Role.ADMINISTRATOR)
    assert _flags(victim) == (True, True)
    membership = Membership.objects.get(user=victim)
    response = client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": victim.pk, "unit": city.root.pk, "role": "staff"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _flags(victim) == (False, False)
    membership.role = Membership.Role.ADMINISTRATOR
    membership.save()
    response = client.post(
        "/admin/agencies/membership/",
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert _flags(victim) == (False, False)


def test_a_demoted_administrator_loses_admin_and_audit_log_in_the_open_session(client, city):
    client.force_login(city.dana)
    assert client.get("/admin/").status_code == 200
    assert client.get("/manage/audit/").status_code == 200
    call_command("add_member", "dana", "--unit", city.root.code, "--role", "staff")
    assert client.get("/admin/").status_code == 302  # to the admin's login
    assert client.get("/manage/audit/").status_code == 403
    assert client.get(f"/units/{city.ward_b.code}/").status_code == 200  # staff of the city still reads


def test_bulk_update_and_bulk_create_resync(city):
    Membership.objects.filter(user=city.dana).update(role=Membership.Role.STAFF)
    assert _flags(city.dana) == (False, False)
    erin = make_user("erin")
    Membership.objects.bulk_create([Membership(user=erin, unit=city.root, role=Membership.Role.ADMINISTRATOR)])
    assert _flags(erin) == (True, True)
