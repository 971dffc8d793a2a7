"""Writes of the citizen journey: submitting answers.

Every rule that keeps an answer counted exactly once lives here, next to the database rules that
back it (one response per receipt, one response per idempotency key).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Procedure, ServicePoint, Unit

from ..masking import mask_comment
from ..models import (
    Answer,
    Kiosk,
    Question,
    QuestionKind,
    Receipt,
    Response,
    SurveyVersion,
)
from ..signals import response_stored

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 2000


class SubmissionRefused(Exception):
    """The answer cannot be stored; `reason` is one of REASONS."""

    REASONS = ("used", "expired", "closed", "revoked", "key_reused")

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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
