"""Writes of the manage pages of the citizen journey: printed receipt batches, API tokens and
kiosks. Each is atomic and leaves one audit event."""

from __future__ import annotations

import secrets
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Procedure, ServicePoint, Unit

from ..audit_actions import AuditAction
from ..codes import TOKEN_PREFIX, api_token_hash, generate_code
from ..models import ApiToken, Kiosk, Receipt
from ..receipts import check_receipt_parts, receipt_expiry

MAX_RECEIPTS_PER_BATCH = 500

# --------------------------------------------------------------------------- receipts


@transaction.atomic
def receipts_issue_batch(
    *,
    unit: Unit,
    count: int,
    procedure: Procedure | None = None,
    service_point: ServicePoint | None = None,
    user=None,
) -> list[Receipt]:
    """`count` fresh receipts for printing, with the same issue time (a batch); audited.

    Printed codes are the one way an insider could answer in citizens' names, so a unit's printed
    receipts are capped per local day (RECEIPT_BATCH_DAILY_CAP; the API's one-per-dossier receipts
    do not count) and every batch leaves an audit event with its size and who asked.
    Raises ValidationError when the batch would go over the day's cap."""
    if not 1 <= count <= MAX_RECEIPTS_PER_BATCH:
        raise ValueError(f"count must be between 1 and {MAX_RECEIPTS_PER_BATCH}")
    check_receipt_parts(unit=unit, procedure=procedure, service_point=service_point)
    now = timezone.now()
    # One batch of a unit at a time, so that two parallel batches cannot both pass the cap.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    today = Receipt.objects.filter(unit=unit, issued_by_token__isnull=True, issued_at__gte=midnight).count()
    cap = settings.RECEIPT_BATCH_DAILY_CAP
    if today + count > cap:
        raise ValidationError(
            _(
                "A unit may print at most %(cap)d receipts a day; %(left)d are left today. "
                "Receipts issued through the API do not count."
            )
            % {"cap": cap, "left": max(0, cap - today)}
        )
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(generate_code())
    receipts = [
        Receipt(
            code=code,
            unit=unit,
            procedure=procedure,
            service_point=service_point,
            issued_by=user,
            issued_at=now,
            expires_at=receipt_expiry(now),
        )
        for code in sorted(codes)
    ]
    created = Receipt.objects.bulk_create(receipts)
    if any(r.pk is None for r in created):  # backends that do not return ids
        created = list(Receipt.objects.filter(code__in=codes).order_by("pk"))
    audit.record(
        actor=user,
        actor_name="issue_receipts (command line)",
        action=AuditAction.RECEIPTS_ISSUE,
        object_type="surveys.receipt",
        object_label=f"{count} × {unit.code}",
        unit=unit,
        details={
            "count": count,
            "procedure": procedure.code if procedure else None,
            "service_point": service_point.code if service_point else None,
            "issued_today": today + count,
        },
    )
    return created


# --------------------------------------------------------------------------- API tokens and kiosks


@transaction.atomic
def api_token_create(*, unit: Unit, name: str, user=None) -> tuple[ApiToken, str]:
    """A new token of the unit; returns (token, key). Only the key's hash is stored: show it once."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        unit=unit, name=name, key_hash=api_token_hash(key), prefix=key[: len(TOKEN_PREFIX) + 5], created_by=user
    )
    audit.record(actor=user, action=AuditAction.TOKEN_CREATE, obj=token, details={"prefix": token.prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user=None) -> ApiToken:
    """Revoking is immediate and final; a revoked token authenticates nothing. Audited once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=user, action=AuditAction.TOKEN_REVOKE, obj=token, details={"prefix": token.prefix})
    return token


@transaction.atomic
def kiosk_register(*, service_point: ServicePoint, label: str, procedure: Procedure | None = None, user=None) -> Kiosk:
    """A kiosk for a service point, with an unguessable token that opens kiosk mode. Audited."""
    kiosk = Kiosk.objects.create(
        service_point=service_point,
        label=label,
        procedure=procedure,
        created_by=user,
        token=secrets.token_urlsafe(32),
    )
    audit.record(
        actor=user,
        action=AuditAction.KIOSK_CREATE,
        obj=kiosk,
        unit=service_point.unit,
        details={"service_point": service_point.code},
    )
    return kiosk


@transaction.atomic
def kiosk_revoke(*, kiosk: Kiosk, user=None) -> Kiosk:
    """The tablet stops at its next request: a revoked token opens nothing and stores nothing. Audited once."""
    if kiosk.revoked_at is None:
        kiosk.revoked_at = timezone.now()
        kiosk.save(update_fields=["revoked_at"])
        audit.record(actor=user, action=AuditAction.KIOSK_REVOKE, obj=kiosk, unit=kiosk.service_point.unit)
    return kiosk
