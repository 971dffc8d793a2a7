"""Per-response sums (issue 15): what the rollup reads instead of the answers.

One row per response and dimension key, written by the database itself (migration
0008_i15_sums_response_sums: triggers on surveys_answer, surveys_response and surveys_question),
in the same transaction as the answers, whichever path writes them (form, kiosk, API, moderation,
admin, generators, raw SQL, COPY). Nothing in Python writes these rows: PostgreSQL refuses any
other write (a statement guard), SQLite refuses an UPDATE or an INSERT that disagrees with the
answers. `surveys.response_sums` recomputes them through the same SQL (backfill, repair).

Invariants:
- every response has its overall row (dimension_key 0), even without a rated answer
  (answers = 0); a response without it is not yet backfilled;
- a row per dimension key the response has rated answers for: the dimension's id, or −1 for
  questions without a dimension (counted in the overall figure only); none with answers = 0;
- the counts are those of reports.scoring: answers = rated answers (value not NULL), satisfied =
  value ≥ 4 (SIPAS), not_dissatisfied = value ≥ 3 (Decision 766), dissatisfied = value ≤ 2,
  sum_values = Σ value;
- unit_id, day (the local date of submitted_at in settings.TIME_ZONE, computed once),
  procedure_key (0 = none), channel and excluded copy the response's, so the rollup reads
  this one table and joins nothing.

Shape (measured, docs/scale.md): a narrow table (one row per response × dimension key) rather than
one row per response with a column set per dimension or arrays. On PostgreSQL, 500k responses
× 6 dimensions, the per-(unit, day, dimension) sums took 6.6–7.0 s from the narrow table, 2.9 s from
the wide one, 11.3 s from arrays and 14.3 s from the answers: the wide table is faster still, but
its columns would follow the Dimension rows (added by administrators at run time, so DDL at run
time, and a slot map that must never shift), while the narrow table needs no schema change for a
new dimension, is the same SQL on SQLite, and is what the triggers write one GROUP BY at a time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ResponseSum(models.Model):
    pk = models.CompositePrimaryKey("response", "dimension_key")
    # No database foreign key: a trigger removes the rows when the response goes (Django would
    # otherwise order the deletes so that the answers' trigger writes a row for a vanishing response).
    response = models.ForeignKey(
        "surveys.Response",
        models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("response"),
    )
    dimension_key = models.BigIntegerField(_("dimension key"))
    unit_id = models.BigIntegerField(_("unit"))
    day = models.DateField(_("local day"))
    procedure_key = models.BigIntegerField(_("procedure key"), default=0)
    channel = models.CharField(_("channel"), max_length=10)
    excluded = models.BooleanField(_("excluded"), default=False)
    answers = models.SmallIntegerField(_("rated answers"), default=0)
    satisfied = models.SmallIntegerField(_("satisfied (SIPAS)"), default=0)
    not_dissatisfied = models.SmallIntegerField(_("not dissatisfied (Decision 766)"), default=0)
    dissatisfied = models.SmallIntegerField(_("dissatisfied"), default=0)
    sum_values = models.SmallIntegerField(_("sum of values"), default=0)

    class Meta:
        verbose_name = _("per-response sums")
        verbose_name_plural = _("per-response sums")
        indexes = [models.Index(fields=["day", "unit_id"], name="responsesum_day_unit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfied__gte=0)
                & Q(satisfied__lte=F("not_dissatisfied"))
                & Q(not_dissatisfied__lte=F("answers"))
                & Q(dissatisfied__gte=0)
                & Q(dissatisfied__lte=F("answers"))
                & Q(sum_values__gte=F("answers"))
                & Q(sum_values__lte=F("answers") * 5),
                name="responsesum_counts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.dimension_key}: {self.answers}"


class AnswerArchive(models.Model):
    """The raw answers of a response whose answers were archived (surveys.retention): one row per
    response, the answers as JSON. Once a response is here, its per-response sums are kept as
    they were — the database no longer recomputes them from answers (they are gone) — so every
    published score stays the same. Moderation still moves the response (unit, exclusion …):
    those columns are copied onto its sums rows as for any response."""

    response = models.OneToOneField(
        "surveys.Response",
        models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
        verbose_name=_("response"),
    )
    archived_at = models.DateTimeField(_("archived at"), auto_now_add=True)
    answers = models.JSONField(_("answers"), default=list)

    class Meta:
        verbose_name = _("archived answers")
        verbose_name_plural = _("archived answers")
