"""Access to one unit is asked of agencies.permissions (`can_view`, `can_manage`,
`can_administer`), never spelled out again as a query elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agencies import permissions

ROOT = Path(__file__).resolve().parents[2]
BY_HAND = re.compile(r"_units\([^)]*\)\.filter\(pk=[^)]*\)\.exists\(\)")


def test_no_module_spells_the_unit_check_out_by_hand():
    offenders = []
    for app in ("agencies", "surveys", "reports", "feedback", "satisfaction"):
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or relative == Path("agencies/permissions.py"):
                continue
            offenders += [
                f"{relative}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1) if BY_HAND.search(line)
            ]
    assert not offenders, f"use agencies.permissions.can_view / can_manage / can_administer: {offenders}"


@pytest.mark.django_db
def test_the_checks_take_a_unit_or_its_id(city):
    for unit in (city.ward_a, city.ward_a.pk):
        assert permissions.can_view(city.alice, unit) and not permissions.can_manage(city.alice, unit)
        assert permissions.can_manage(city.bob, unit) and not permissions.can_administer(city.bob, unit)
        assert permissions.can_administer(city.dana, unit) and not permissions.can_view(city.charlie, unit)
