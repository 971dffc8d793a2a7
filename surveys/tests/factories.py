"""Factories for surveys, receipts and responses."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agencies.models import Unit
from surveys.codes import generate_code
from surveys.models import Answer, Receipt, Response, SurveyVersion
from surveys.standard import create_standard_survey


def make_standard_survey(city: Unit) -> SurveyVersion:
    return create_standard_survey(city=city)


def make_receipt(unit: Unit, *, procedure=None, service_point=None, issued_at=None, days: int = 30) -> Receipt:
    issued_at = issued_at or timezone.now()
    return Receipt.objects.create(
        code=generate_code(),
        unit=unit,
        procedure=procedure,
        service_point=service_point,
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=days),
    )


def make_response(
    version: SurveyVersion,
    unit: Unit,
    ratings: list[int | None],
    *,
    channel: str = "kiosk",
    submitted_at=None,
    receipt: Receipt | None = None,
    procedure=None,
    comment: str = "",
) -> Response:
    """A response rating the version's rated questions in order (None = not applicable)."""
    submitted_at = submitted_at or timezone.now()
    response = Response.objects.create(
        version=version,
        unit=unit,
        channel=channel if receipt is None else "receipt",
        receipt=receipt,
        procedure=procedure,
        submitted_at=submitted_at,
        changed_at=submitted_at,
        comment=comment,
    )
    questions = list(version.questions.filter(kind="rating").order_by("order"))
    Answer.objects.bulk_create(
        Answer(response=response, question=q, kind="rating", value=value) for q, value in zip(questions, ratings)
    )
    return response
