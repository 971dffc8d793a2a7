"""Retention (issue 15): archive old raw answers without changing any published score.

The scores are built from the per-response sums (surveys.sum_models.ResponseSum), never from the
answers, so the answers of old responses can leave the hot tables: `answers_archive` moves them,
response by response, into AnswerArchive (one row a response, the answers as JSON) and deletes
them from surveys_answer. The database keeps the sums of an archived response as they were (its
triggers skip archived responses when answers go), moderation still moves it (unit, exclusion),
and the next rollup — whose dirty keys the deletions marked — recomputes the same figures.

Invariant: for every response, either its answers are live and its sums agree with them
(`response_sums_disagreeing`), or its answers are in AnswerArchive and its sums are those they
had when archived.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from .models import Answer, AnswerArchive, Response


def answers_archive(*, before: datetime, batch: int = 2000, max_batches: int | None = None) -> int:
    """Archive the answers of responses submitted before `before`; responses archived. Batches of
    one transaction each (resumable: an archived response is never looked at again)."""
    done = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            ids = list(
                Response.objects.filter(submitted_at__lt=before)
                .exclude(pk__in=AnswerArchive.objects.values("response_id"))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            rows: dict[int, list] = {pk: [] for pk in ids}
            answers = Answer.objects.filter(response_id__in=ids).order_by("pk").prefetch_related("choices")
            for a in answers:
                rows[a.response_id].append(
                    [a.question_id, a.kind, a.value, a.text, sorted(c.pk for c in a.choices.all())]
                )
            # First the archive rows (the triggers then leave these responses' sums alone), then the answers.
            AnswerArchive.objects.bulk_create(AnswerArchive(response_id=pk, answers=rows[pk]) for pk in ids)
            Answer.choices.through.objects.filter(answer__response_id__in=ids).delete()
            Answer.objects.filter(response_id__in=ids).delete()
        done, batches = done + len(ids), batches + 1
    return done
