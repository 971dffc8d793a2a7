"""Create a user if needed and grant a role over a unit's subtree."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies import audit
from agencies.models import Membership, Unit


class Command(BaseCommand):
    help = (
        "Create USERNAME if it does not exist and grant it a role (staff, manager, administrator) "
        "over the unit CODE and everything below it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--unit", required=True, help="Code of the unit the role covers.")
        parser.add_argument("--role", required=True, choices=[r.value for r in Membership.Role])
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Set the password from this environment variable (never from the command line).",
        )

    @transaction.atomic
    def handle(self, *args, username, unit, role, password_from_env, **options):
        try:
            unit_obj = Unit.objects.get(code=unit)
        except Unit.DoesNotExist:
            raise CommandError(f"Unknown unit code: {unit}") from None
        password = None
        if password_from_env:
            password = os.environ.get(password_from_env)
            if not password:
                raise CommandError(f"Environment variable {password_from_env} is not set or empty.")
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        if password is not None:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from None
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        # is_staff / is_superuser follow from the memberships (agencies.roles), on this path as on any other.
        previous = Membership.objects.filter(user=user, unit=unit_obj).values_list("role", flat=True).first()
        membership, _ = Membership.objects.update_or_create(user=user, unit=unit_obj, defaults={"role": role})
        if previous != role:
            audit.record(
                actor=None,
                actor_name="add_member (command line)",
                action=audit.Action.ROLE_GRANT,
                obj=membership,
                object_label=f"{username}: {role} @ {unit_obj.code}",
                details={"username": username, "role": role, "previous_role": previous},
            )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {username}: {membership.get_role_display()} of {unit_obj.code} ({unit_obj.name_vi})")
