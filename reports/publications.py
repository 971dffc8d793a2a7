"""Open-data publications: an administrator drafts a period's ranking of a unit's sub-units, then
publishes it (the ranking is frozen into the row) or withdraws it.

Rules protected:
- one publication per unit and period (a database constraint; `PublicationExists` for callers);
- publishing freezes the ranking as computed now, so a later recomputation never changes figures
  the public has already downloaded; publishing again refreshes them;
- only an administrator of the unit may create or publish (the views and the demo both call here).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Unit
from agencies.permissions import administered_units

from . import open_data_extras, selectors
from .models import OpenDataPublication
from .periods import Period


class PublicationExists(Exception):
    """There is already a publication for this unit and period."""


def _check_administers(user, unit: Unit) -> None:
    if not administered_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied


def live_rows(*, unit: Unit, period: Period) -> list[dict]:
    """The ranking as it stands now, with each row's funnel class, rank range and response rate:
    what a draft shows and what publishing freezes."""
    rows = selectors.publication_rows(unit=unit, period=period)
    return open_data_extras.enrich(rows, unit=unit, period=period)


@transaction.atomic
def publication_create(*, unit: Unit, period: Period, user, note: str = "") -> OpenDataPublication:
    """A draft ranking of `unit`'s sub-units for `period`, seen only by those who may see the unit."""
    _check_administers(user, unit)
    try:
        with transaction.atomic():
            return OpenDataPublication.objects.create(
                unit=unit, period_type=period.type, period_start=period.start, note=note, created_by=user
            )
    except IntegrityError:  # a double submission raced the form's check
        raise PublicationExists from None


@transaction.atomic
def publication_publish(*, publication: OpenDataPublication, user) -> OpenDataPublication:
    """Freeze the ranking as it stands and make the page and its CSV public."""
    _check_administers(user, publication.unit)
    period = Period(publication.period_type, publication.period_start)
    publication.rows = live_rows(unit=publication.unit, period=period)
    publication.status = OpenDataPublication.Status.PUBLISHED
    publication.published_at = timezone.now()
    publication.published_by = user
    publication.save()
    return publication
