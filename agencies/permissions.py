"""The one permission rule: which units a user may see, manage or administer.

A membership covers the unit and its whole subtree. Every view, export and API endpoint asks
here; nothing else decides access. Superusers see everything. Pages under /manage/ open with
one preamble, `manage_page(role)`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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


# --------------------------------------------------------------------------- the /manage/ preamble

# The role a page under /manage/ asks for, and the memberships that hold it.
PAGE_ROLES = {"member": READ_ROLES, "manager": MANAGE_ROLES, "administrator": ADMIN_ROLES}


def require_role(user, role: str = "manager") -> UnitQuerySet:
    """The units where `user` holds `role` (or a higher one); PermissionDenied if there are none.

    Superusers pass everywhere (with every unit). "member" is any role at all: staff read,
    managers change, administrators administer (PAGE_ROLES)."""
    units = _units_for_roles(user, PAGE_ROLES[role])
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return units
    if not units.exists():
        raise PermissionDenied
    return units


def manage_page(role: str = "manager", *, object_page: bool = False):
    """The one access preamble of every page under /manage/.

    Anonymous visitors go to the sign-in page; a signed-in user without `role` anywhere gets 403
    (their role never opens the page); otherwise the view runs with `request.units`, the units
    where the user holds the role. Objects are then looked up within those units (or with
    can_view / can_manage), so another unit's object is a 404: it does not exist for them.

    `object_page=True` is for a page about one object named in the URL (a unit code, a response
    reference) that is looked up in `request.units`: a user without the role is then answered
    like any outsider, with that lookup's 404, so the page never tells who holds which role.
    """
    if role not in PAGE_ROLES:
        raise ValueError(f"unknown role {role!r}; one of {sorted(PAGE_ROLES)}")

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if object_page:
                request.units = _units_for_roles(request.user, PAGE_ROLES[role])
            else:
                request.units = require_role(request.user, role)
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator
