"""Open-data publications: an administrator drafts a period's ranking of a unit's sub-units, then
publishes it (the ranking is frozen into the row) or withdraws it.

Rules protected:
- one publication per unit and period (a database constraint; `PublicationExists` for callers);
- publishing freezes the ranking as computed now, so a later recomputation never changes figures
  the public has already downloaded; publishing again refreshes them;
- only an administrator of the unit may create, publish, withdraw or delete (the views and the
  demo both call here); only a published ranking can be withdrawn, only an unpublished one deleted;
- each of the four is one transaction that leaves one audit record (agencies.audit) or, failing
  anywhere, nothing at all.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Unit
from agencies.permissions import can_administer

from . import open_data_extras, selectors
from .audit_actions import AuditAction
from .models import OpenDataPublication
from .periods import Period


class PublicationExists(Exception):
    """There is already a publication for this unit and period."""


def _check_administers(user, unit: Unit) -> None:
    if not can_administer(user, unit):
        raise PermissionDenied


def _period_of(publication: OpenDataPublication) -> Period:
    return Period(publication.period_type, publication.period_start)


def _audit(action: str, publication: OpenDataPublication, user, **details) -> None:
    period = _period_of(publication)
    audit.record(
        actor=user,
        action=action,
        obj=publication,
        object_label=f"{publication.unit.code} {period.key}",
        unit=publication.unit,
        details={"period": period.key, **details},
    )


def _locked(publication: OpenDataPublication) -> OpenDataPublication:
    return OpenDataPublication.objects.select_for_update(of=("self",)).select_related("unit").get(pk=publication.pk)


def live_rows(*, unit: Unit, period: Period) -> list[dict]:
    """The ranking as it stands now, with each row's funnel class, rank range and response rate:
    what a draft shows and what publishing freezes."""
    rows = selectors.publication_rows(unit=unit, period=period)
    return open_data_extras.enrich(rows, unit=unit, period=period)


def publications_of(units) -> list[tuple[OpenDataPublication, Period]]:
    """Every publication of `units` (drafts, published, withdrawn), newest period first, with its period."""
    listed = OpenDataPublication.objects.filter(unit__in=units).select_related("unit")
    return [(p, _period_of(p)) for p in listed.order_by("-period_start", "unit__path")]


@transaction.atomic
def publication_create(*, unit: Unit, period: Period, user, note: str = "") -> OpenDataPublication:
    """A draft ranking of `unit`'s sub-units for `period`, seen only by those who may see the unit."""
    _check_administers(user, unit)
    try:
        with transaction.atomic():
            publication = OpenDataPublication.objects.create(
                unit=unit, period_type=period.type, period_start=period.start, note=note, created_by=user
            )
    except IntegrityError:  # a double submission raced the form's check
        raise PublicationExists from None
    _audit(AuditAction.PUBLICATION_CREATE, publication, user)
    return publication


@transaction.atomic
def publication_publish(*, publication: OpenDataPublication, user) -> OpenDataPublication:
    """Freeze the ranking as it stands and make the page and its CSV public (again: refreshed)."""
    _check_administers(user, publication.unit)
    publication = _locked(publication)
    again = publication.status == OpenDataPublication.Status.PUBLISHED
    publication.rows = live_rows(unit=publication.unit, period=_period_of(publication))
    publication.status = OpenDataPublication.Status.PUBLISHED
    publication.published_at = timezone.now()
    publication.published_by = user
    publication.save()
    _audit(AuditAction.PUBLICATION_PUBLISH, publication, user, rows=len(publication.rows), again=again)
    return publication


@transaction.atomic
def publication_withdraw(*, publication: OpenDataPublication, user) -> OpenDataPublication:
    """Take a published ranking off open data; its frozen rows stay for the record."""
    _check_administers(user, publication.unit)
    publication = _locked(publication)
    if publication.status != OpenDataPublication.Status.PUBLISHED:
        raise ValidationError(_("Only a published ranking can be withdrawn."))
    publication.status = OpenDataPublication.Status.WITHDRAWN
    publication.save(update_fields=["status"])
    _audit(AuditAction.PUBLICATION_WITHDRAW, publication, user)
    return publication


@transaction.atomic
def publication_delete(*, publication: OpenDataPublication, user) -> None:
    """Delete a draft or withdrawn publication; a published one must be withdrawn first."""
    _check_administers(user, publication.unit)
    publication = _locked(publication)
    if publication.status == OpenDataPublication.Status.PUBLISHED:
        raise ValidationError(_("A published ranking cannot be deleted; withdraw it first."))
    _audit(AuditAction.PUBLICATION_DELETE, publication, user, status=publication.status)
    publication.delete()
