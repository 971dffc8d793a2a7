"""Decision 766's points (our reading) and the period bounds of the coverage counts."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from reports import coverage, yardstick
from reports.periods import Period
from surveys.tests.factories import make_receipt


@pytest.mark.parametrize(
    ("numerator", "denominator", "points"),
    [
        (0, 0, 6.0),  # no dossiers: full points
        (90, 100, 6.0),  # r = 0.90 reaches the target
        (99, 100, 6.0),  # above the target: capped at 6
        (45, 100, 3.0),  # r = 0.45 → 6 × 0.5
        (0, 100, 0.0),
        (404, 505, 6 * 0.8 / 0.9),
    ],
)
def test_points_are_six_times_the_share_over_ninety_percent_capped_at_six(numerator, denominator, points):
    assert yardstick.points(numerator, denominator) == pytest.approx(points)


@pytest.mark.django_db
@pytest.mark.anydb
def test_receipts_count_in_the_local_month_they_were_issued(city):
    tz = timezone.get_default_timezone()
    make_receipt(city.ward_a, issued_at=timezone.make_aware(datetime(2025, 10, 31, 23, 30), tz))
    make_receipt(city.ward_a, issued_at=timezone.make_aware(datetime(2025, 11, 1, 0, 10), tz))
    make_receipt(city.ward_a, issued_at=timezone.make_aware(datetime(2025, 10, 1, 0, 0), tz))
    october = coverage.for_units([city.ward_a.id], Period.parse("2025-10"))[city.ward_a.id]
    november = coverage.for_units([city.ward_a.id], Period.parse("2025-11"))[city.ward_a.id]
    assert (october.issued, november.issued) == (2, 1)
    assert october.rate == 0.0 and october.below_floor


@pytest.mark.django_db
@pytest.mark.anydb
def test_a_units_own_coverage_leaves_its_sub_units_out(city):
    at = timezone.make_aware(datetime(2025, 10, 5, 9, 0))
    make_receipt(city.ward_a, issued_at=at)
    make_receipt(city.centre_a, issued_at=at)  # below ward A
    own = coverage.for_units([city.ward_a.id], Period.parse("2025-10"), scope="own")[city.ward_a.id]
    subtree = coverage.for_units([city.ward_a.id, city.root.id], Period.parse("2025-10"))
    assert own.issued == 1
    assert subtree[city.ward_a.id].issued == 2 and subtree[city.root.id].issued == 2


@pytest.mark.django_db
@pytest.mark.anydb
def test_without_receipts_there_is_no_rate_and_no_mark(city):
    c = coverage.for_units([city.ward_b.id], Period.parse("2025-10"))[city.ward_b.id]
    assert c.rate is None and not c.below_floor
