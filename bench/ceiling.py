"""The benchmark's ceiling: a bare view that stores what a submission stores, and nothing else.

Same request body, same middleware (CSRF included), same rows: the receipt locked, one Response,
one Answer per question, the receipt marked used. No form, no survey lookup, no template, no rate
limit, no rollup queueing. The real view's throughput divided by this one's is the overhead of
everything that makes the real view correct and friendly.
"""

import uuid

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from surveys.models import Answer, Receipt, Response


def ceiling(request, code):
    now = timezone.now()
    version_id = int(request.POST["version"])
    values = {int(k[1:]): int(v) for k, v in request.POST.items() if k.startswith("q") and k[1:].isdigit()}
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(code=code.replace("-", ""))
        if receipt.used_at is not None:
            return HttpResponse(status=409)
        response = Response.objects.create(
            version_id=version_id,
            unit_id=receipt.unit_id,
            receipt=receipt,
            channel="receipt",
            submitted_at=now,
            changed_at=now,
            idempotency_key=uuid.UUID(request.POST["idempotency_key"]),
        )
        Answer.objects.bulk_create(
            Answer(response=response, question_id=q, kind="rating", value=v) for q, v in values.items()
        )
        Receipt.objects.filter(pk=receipt.pk).update(used_at=now)
    return HttpResponse(status=302, headers={"Location": "/"})
