"""Writes of the citizen journey: issuing receipts, tokens and kiosks, and submitting answers.

Every rule that keeps an answer counted exactly once lives here, next to the database rules that
back it (one response per receipt, one response per idempotency key).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Procedure, ServicePoint, Unit

from . import masking
from .audit_actions import AuditAction
from .codes import generate_code
from .models import (
    Answer,
    ApiToken,
    Kiosk,
    Question,
    QuestionKind,
    Receipt,
    RespondentKind,
    Response,
    SurveyVersion,
)
from .signals import response_stored

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 2000
MAX_RECEIPTS_PER_BATCH = 500


class SubmissionRefused(Exception):
    """The answer cannot be stored; `reason` is one of REASONS."""

    REASONS = ("used", "expired", "closed", "revoked", "key_reused")

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- privacy

# The masking rules live in surveys.masking; kept importable from here for existing callers.
MASK = masking.MASK
mask_comment = masking.mask_comment


def dossier_hash(reference: str) -> str:
    """Keyed hash (HMAC-SHA256 with the secret key) of a dossier reference; it cannot be read back."""
    normalised = " ".join(reference.split()).upper()
    return hmac.new(settings.SECRET_KEY.encode(), f"dossier:{normalised}".encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- receipts


def _expiry(issued_at):
    return issued_at + timedelta(days=settings.RECEIPT_EXPIRY_DAYS)


def _check_receipt_parts(*, unit: Unit, procedure: Procedure | None, service_point: ServicePoint | None) -> None:
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
    _check_receipt_parts(unit=unit, procedure=procedure, service_point=service_point)
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
            expires_at=_expiry(now),
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
    _check_receipt_parts(unit=unit, procedure=procedure, service_point=service_point)
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
            expires_at=_expiry(now),
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

TOKEN_PREFIX = "td_"


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


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


# --------------------------------------------------------------------------- submission


@dataclass
class SubmitResult:
    response: Response
    created: bool  # False: the same submission seen again (double click, retry)
    # What receivers of signals.response_stored returned for the next page (e.g. the reply key).
    extras: dict = field(default_factory=dict)


def _answer_rows(response: Response, answers: dict[Question, Any]) -> tuple[list[Answer], list[tuple[int, int]]]:
    rows: list[Answer] = []
    multi: list[tuple[int, int]] = []  # (question id, choice id) of multiple-choice answers
    for question, value in answers.items():
        answer = Answer(response=response, question=question, kind=question.kind)
        if question.kind in (QuestionKind.RATING, QuestionKind.SCALE10, QuestionKind.YESNO):
            answer.value = value
        elif question.kind == QuestionKind.SINGLE:
            answer.choice_id = value
        elif question.kind == QuestionKind.MULTIPLE:
            multi.extend((question.pk, choice_id) for choice_id in value)
        elif question.kind == QuestionKind.TEXT:
            answer.text = mask_comment(value or "")[:COMMENT_MAX_LENGTH]
        rows.append(answer)
    return rows, multi


def _existing(idempotency_key: uuid.UUID) -> Response | None:
    return Response.objects.filter(idempotency_key=idempotency_key).first()


def _store(response: Response, answers: dict[Question, Any]) -> None:
    response.save(force_insert=True)
    rows, multi = _answer_rows(response, answers)
    created = Answer.objects.bulk_create(rows)
    if multi:
        ids = {a.question_id: a.pk for a in created}
        if any(pk is None for pk in ids.values()):
            ids = dict(Answer.objects.filter(response=response).values_list("question_id", "pk"))
        through = Answer.choices.through
        through.objects.bulk_create(through(answer_id=ids[q], choice_id=c) for q, c in multi)


@transaction.atomic
def response_submit(
    *,
    version: SurveyVersion,
    unit: Unit,
    channel: str,
    answers: dict[Question, Any],
    idempotency_key: uuid.UUID,
    comment: str = "",
    language: str = "vi",
    receipt: Receipt | None = None,
    kiosk: Kiosk | None = None,
    service_point: ServicePoint | None = None,
    procedure: Procedure | None = None,
    client_hash: str = "",
) -> SubmitResult:
    """Store one citizen's answers exactly once.

    - A receipt gives at most one response: the receipt row is locked (SELECT … FOR UPDATE), so
      of two simultaneous submissions one stores and the other is refused as "used"; the
      one-to-one column backs this up in the database.
    - The same idempotency key seen again (double click, retried POST, a kiosk resending after a
      network drop) returns the response already stored instead of a second one.
    - The comment is masked before it is stored.
    - `signals.response_stored` is sent inside the transaction for a new response only; what its
      receivers write commits or rolls back with the response. The reports app hears it and asks
      for the rollup after commit (reports.signals); surveys never names a reports task.
    """
    now = timezone.now()
    if receipt is not None:
        # Claim the receipt: the UPDATE locks its row until commit, and a simultaneous claim
        # waits for it, then finds used_at set and claims nothing.
        claimed = Receipt.objects.filter(pk=receipt.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
        if not claimed:
            current = Receipt.objects.only("pk", "used_at", "expires_at").get(pk=receipt.pk)
            if current.used_at is None:
                raise SubmissionRefused("expired")
            previous = Response.objects.filter(receipt_id=receipt.pk).first()
            if previous is not None and previous.idempotency_key == idempotency_key:
                return SubmitResult(previous, created=False)
            raise SubmissionRefused("used")
        receipt.used_at = now
        if receipt.channel == Receipt.Channel.ONLINE:
            channel = Response.Channel.ONLINE  # an online dossier's answers are reported as such
    else:
        previous = _existing(idempotency_key)
        if previous is not None:
            if previous.kiosk_id != (kiosk.pk if kiosk else None) or previous.receipt_id is not None:
                raise SubmissionRefused("key_reused")
            return SubmitResult(previous, created=False)
    response = Response(
        version=version,
        unit=unit,
        service_point=service_point,
        procedure=procedure,
        receipt=receipt,
        kiosk=kiosk,
        channel=channel,
        respondent_kind=receipt.respondent_kind if receipt is not None else "",
        language=(language or "vi")[:8],
        submitted_at=now,
        changed_at=now,
        idempotency_key=idempotency_key,
        comment=mask_comment(comment.strip())[:COMMENT_MAX_LENGTH],
        client_hash=client_hash,
    )
    if receipt is not None:
        try:
            _store(response, answers)
        except IntegrityError:
            # The key of another receipt's response, copied into this form: the whole
            # transaction (the claim included) rolls back.
            raise SubmissionRefused("key_reused") from None
    else:
        try:
            with transaction.atomic():  # a savepoint, to look the winner up after a lost race
                _store(response, answers)
        except IntegrityError:
            # A simultaneous submission with the same key won the race (kiosk retry).
            previous = _existing(idempotency_key)
            if (
                previous is not None
                and previous.receipt_id is None
                and previous.kiosk_id == (kiosk.pk if kiosk else None)
            ):
                return SubmitResult(previous, created=False)
            raise SubmissionRefused("key_reused") from None
    extras: dict = {}
    for _receiver, value in response_stored.send(sender=Response, response=response):
        if isinstance(value, dict):
            extras.update(value)
    return SubmitResult(response, created=True, extras=extras)
