"""Factories for units, procedures and the personas of access-control tests.

Personas (as in healthchecks' alice/bob/charlie):
- alice: staff of ward A; bob: manager of ward A; charlie: staff of ward B (an outsider to A);
- dana: administrator of the whole city; anonymous: no account.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from agencies.models import Membership, Procedure, ServicePoint, Unit

PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


def make_unit(
    *,
    parent: Unit | None = None,
    kind: str = Unit.Kind.WARD,
    code: str | None = None,
    name_vi: str | None = None,
    **extra,
) -> Unit:
    n = next(_seq)
    return Unit.objects.create(
        parent=parent,
        kind=kind,
        code=code or f"U{n:05d}",
        name_vi=name_vi or f"Phường Thử {n}",
        name_en=extra.pop("name_en", f"Test Ward {n}"),
        **extra,
    )


def make_procedure(*, code: str | None = None, name_vi: str = "Đăng ký khai sinh", field: str = "Hộ tịch") -> Procedure:
    n = next(_seq)
    return Procedure.objects.create(
        code=code or f"1.{n:06d}", name_vi=name_vi, name_en="Birth registration", field=field
    )


def make_service_point(unit: Unit, *, kind: str = ServicePoint.Kind.COUNTER) -> ServicePoint:
    n = next(_seq)
    return ServicePoint.objects.create(unit=unit, code=f"SP{n}", name_vi=f"Quầy {n}", name_en=f"Counter {n}", kind=kind)


def make_user(username: str, *, unit: Unit | None = None, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if unit is not None and role is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def make_city() -> SimpleNamespace:
    """A small city: root, a department, two wards, a commune below ward A's district; personas."""
    root = make_unit(kind=Unit.Kind.CITY, code="01", name_vi="Thành phố Hà Nội", name_en="Hanoi")
    department = make_unit(
        parent=root, kind=Unit.Kind.DEPARTMENT, code="SO-TP", name_vi="Sở Tư pháp", name_en="Department of Justice"
    )
    ward_a = make_unit(parent=root, kind=Unit.Kind.WARD, code="00004", name_vi="Phường Ba Đình", name_en="Ba Dinh Ward")
    ward_b = make_unit(parent=root, kind=Unit.Kind.WARD, code="00008", name_vi="Phường Ngọc Hà", name_en="Ngoc Ha Ward")
    centre_a = make_unit(
        parent=ward_a,
        kind=Unit.Kind.SERVICE_CENTRE,
        code="00004-BPMC",
        name_vi="Bộ phận Một cửa Phường Ba Đình",
        name_en="Ba Dinh One-stop Shop",
    )
    return SimpleNamespace(
        root=root,
        department=department,
        ward_a=ward_a,
        ward_b=ward_b,
        centre_a=centre_a,
        alice=make_user("alice", unit=ward_a, role=Membership.Role.STAFF),
        bob=make_user("bob", unit=ward_a, role=Membership.Role.MANAGER),
        charlie=make_user("charlie", unit=ward_b, role=Membership.Role.STAFF),
        dana=make_user("dana", unit=root, role=Membership.Role.ADMINISTRATOR),
        password=PASSWORD,
    )
