import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from agencies.models import Membership

pytestmark = pytest.mark.django_db


def test_add_member_creates_the_user_and_grants_the_role(city, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-unusual-passphrase-42")
    call_command("add_member", "erin", "--unit", city.ward_b.code, "--role", "manager", "--password-from-env", "NEW_PW")
    erin = get_user_model().objects.get(username="erin")
    assert erin.check_password("a-long-unusual-passphrase-42")
    assert Membership.objects.get(user=erin).role == "manager"


def test_add_member_changes_an_existing_role(city):
    call_command("add_member", "alice", "--unit", city.ward_a.code, "--role", "manager")
    assert Membership.objects.get(user=city.alice, unit=city.ward_a).role == "manager"


def test_add_member_refuses_an_unknown_unit(city):
    with pytest.raises(CommandError, match="Unknown unit code: NOPE"):
        call_command("add_member", "erin", "--unit", "NOPE", "--role", "staff")


def test_add_member_refuses_an_unset_password_variable(city):
    with pytest.raises(CommandError, match="MISSING_VAR"):
        call_command(
            "add_member", "erin", "--unit", city.ward_a.code, "--role", "staff", "--password-from-env", "MISSING_VAR"
        )
