"""Issuing receipts: the one write the counter software's API, the manage pages and the
`issue_receipts` command share.

A dossier gets one receipt only (the dossier_hash column is unique); a dossier reference is
stored as a keyed hash that cannot be read back.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Procedure, ServicePoint, Unit

from .codes import generate_code
from .models import ApiToken, Receipt, RespondentKind


def dossier_hash(reference: str) -> str:
    """Keyed hash (HMAC-SHA256 with the secret key) of a dossier reference; it cannot be read back."""
    normalised = " ".join(reference.split()).upper()
    return hmac.new(settings.SECRET_KEY.encode(), f"dossier:{normalised}".encode(), hashlib.sha256).hexdigest()


def receipt_expiry(issued_at):
    return issued_at + timedelta(days=settings.RECEIPT_EXPIRY_DAYS)


def check_receipt_parts(*, unit: Unit, procedure: Procedure | None, service_point: ServicePoint | None) -> None:
    if service_point is not None and service_point.unit_id != unit.pk:
        raise ValueError("the service point belongs to another unit")


@transaction.atomic
def receipt_issue(
    *,
    unit: Unit,
    procedure: Procedure | None = None,
    service_point: ServicePoint | None = None,
    dossier: str | None = None,
    token: ApiToken | None = None,
    user=None,
    channel: str = Receipt.Channel.COUNTER,
    respondent_kind: str = "",
) -> tuple[Receipt, bool]:
    """One receipt; returns (receipt, created).

    `channel` is `counter` or `online` (a dossier handled online), `respondent_kind` is
    `individual`, `organisation` or "" (unknown); anything else is a ValueError.

    A dossier gets one receipt only: issuing again for the same dossier reference returns the
    receipt already issued (the dossier_hash column is unique, so even two simultaneous calls
    cannot make two).
    """
    check_receipt_parts(unit=unit, procedure=procedure, service_point=service_point)
    if channel not in Receipt.Channel.values:
        raise ValueError(f"unknown receipt channel {channel!r}")
    if respondent_kind and respondent_kind not in RespondentKind.values:
        raise ValueError(f"unknown respondent kind {respondent_kind!r}")
    digest = dossier_hash(dossier) if dossier else None
    if digest:
        existing = (
            Receipt.objects.select_related("unit", "procedure", "service_point").filter(dossier_hash=digest).first()
        )
        if existing is not None:
            return existing, False
    now = timezone.now()
    for _attempt in range(5):
        receipt = Receipt(
            code=generate_code(),
            unit=unit,
            procedure=procedure,
            service_point=service_point,
            dossier_hash=digest,
            issued_by_token=token,
            issued_by=user,
            issued_at=now,
            expires_at=receipt_expiry(now),
            channel=channel,
            respondent_kind=respondent_kind,
        )
        try:
            with transaction.atomic():
                receipt.save(force_insert=True)
            return receipt, True
        except IntegrityError:
            if digest:
                existing = Receipt.objects.filter(dossier_hash=digest).first()
                if existing is not None:  # the same dossier, issued by a simultaneous call
                    return existing, False
            # Otherwise a code collision (one in 2^50 per pair): draw again.
    raise RuntimeError("could not draw a free receipt code")
