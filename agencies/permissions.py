"""The one permission rule: which units a user may see, manage or administer.

A membership covers the unit and its whole subtree. Every view, export and API endpoint asks
here; nothing else decides access. Superusers see everything.
"""

from __future__ import annotations

from django.db.models import Q

from .models import Membership, Unit, UnitQuerySet

READ_ROLES = (Membership.Role.STAFF, Membership.Role.MANAGER, Membership.Role.ADMINISTRATOR)
MANAGE_ROLES = (Membership.Role.MANAGER, Membership.Role.ADMINISTRATOR)
ADMIN_ROLES = (Membership.Role.ADMINISTRATOR,)


def _units_for_roles(user, roles, queryset: UnitQuerySet | None = None) -> UnitQuerySet:
    queryset = Unit.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    paths = list(Membership.objects.filter(user=user, role__in=roles).values_list("unit__path", flat=True))
    if not paths:
        return queryset.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return queryset.filter(condition)


def visible_units(user, queryset: UnitQuerySet | None = None) -> UnitQuerySet:
    """Units whose scores, comments and exports the user may read."""
    return _units_for_roles(user, READ_ROLES, queryset)


def manageable_units(user, queryset: UnitQuerySet | None = None) -> UnitQuerySet:
    """Units whose surveys, receipts, kiosks and moderation the user may change."""
    return _units_for_roles(user, MANAGE_ROLES, queryset)


def administered_units(user, queryset: UnitQuerySet | None = None) -> UnitQuerySet:
    """Units the user administers: the unit tree, recomputation, open data."""
    return _units_for_roles(user, ADMIN_ROLES, queryset)


def _pk(unit: Unit | int) -> int:
    return unit if isinstance(unit, int) else unit.pk


def can_view(user, unit: Unit | int) -> bool:
    """May the user read this unit (a Unit or its id)?"""
    return visible_units(user).filter(pk=_pk(unit)).exists()


def can_manage(user, unit: Unit | int) -> bool:
    """May the user change this unit's surveys, receipts, kiosks and moderation?"""
    return manageable_units(user).filter(pk=_pk(unit)).exists()


def can_administer(user, unit: Unit | int) -> bool:
    """Does the user administer this unit (open data, recomputation, deletions)?"""
    return administered_units(user).filter(pk=_pk(unit)).exists()


def is_staff_member(user) -> bool:
    """Anyone with a role somewhere (or a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or Membership.objects.filter(user=user).exists()


def is_manager(user) -> bool:
    return manageable_units(user).exists()


def is_administrator(user) -> bool:
    return administered_units(user).exists()
