"""Privileges follow roles: a user's `is_staff` and `is_superuser` are derived from memberships.

The rule: a user is a superuser exactly when they hold the administrator role on a top unit of
the tree (the city or province); `is_staff` (may open the Django admin, where they see only what
the admin classes allow for their units) exactly when they hold the administrator role anywhere;
staff and manager roles give neither flag. It is recomputed on every grant, change and removal of a membership, whatever the
path (the add_member command, the admin, a service, the shell): the signals below call
`sync_privileges` after each save and delete of a Membership, for the old holder too when a
membership is moved to another user; the Membership queryset's `update` and `bulk_create`, which
send no signals, resync the holders themselves. Django loads the user from the database on every request,
so a demotion takes effect at the next request of every open session.

A user saved with other flags (the admin's user form, the shell) gets the derived ones back
before the row is written, as long as they hold any membership. An account with no membership at
all that was made a superuser by `createsuperuser` (the operator's bootstrap account) keeps its
flags until it is given a role, and loses them with its last one.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

# The flags' computation lives beside the Membership model, whose bulk writes call it too;
# this module wires it to every save and delete.
from .models import Membership, derived_flags, sync_privileges

__all__ = ["connect", "derived_flags", "sync_privileges"]


def _remember_holder(sender, instance: Membership, **kwargs) -> None:
    instance._previous_user_id = (
        Membership.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first() if instance.pk else None
    )


def _membership_saved(sender, instance: Membership, **kwargs) -> None:
    sync_privileges(user_id=instance.user_id)
    previous = getattr(instance, "_previous_user_id", None)
    if previous and previous != instance.user_id:
        sync_privileges(user_id=previous)


def _membership_deleted(sender, instance: Membership, **kwargs) -> None:
    sync_privileges(user_id=instance.user_id)


def _user_saving(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None:
        return
    if update_fields is not None and not {"is_staff", "is_superuser"} & set(update_fields):
        return  # e.g. last_login at sign-in: no flag is written, no query spent
    if not Membership.objects.filter(user_id=instance.pk).exists():
        return
    instance.is_staff, instance.is_superuser = derived_flags(instance.pk)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    pre_save.connect(_user_saving, sender=get_user_model(), dispatch_uid="agencies-roles-user")
    pre_save.connect(_remember_holder, sender=Membership, dispatch_uid="agencies-roles-pre")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="agencies-roles-saved")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="agencies-roles-deleted")
