"""What the answers become: scores per unit, dimension, procedure and period, and rollup runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext_lazy as _

from agencies.bounds import length_checks
from agencies.models import Procedure, Unit
from surveys.models import Dimension


class PeriodType(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class Scope(models.TextChoices):
    OWN = "own", _("own answers")
    SUBTREE = "subtree", _("unit and sub-units")


class StoredScope(models.TextChoices):
    """What a Score row stores: the two scopes one may ask for, and `both` for a unit whose subtree
    is only itself (its own rows are its subtree rows, kept once; Score.objects.in_scope)."""

    OWN = Scope.OWN.value, Scope.OWN.label
    SUBTREE = Scope.SUBTREE.value, Scope.SUBTREE.label
    BOTH = "both", _("own answers, also unit and sub-units (a unit without sub-units)")


BOTH_SCOPES = StoredScope.BOTH.value


class ScoreQuerySet(models.QuerySet):
    def in_scope(self, scope: str) -> ScoreQuerySet:
        """The rows of `scope`, as every reader must ask for them.

        A unit whose subtree is only itself (no sub-units, nothing merged into it) keeps one set
        of rows, stored with scope "both": its own rows are its subtree rows. Two copies would be
        nearly half the table, and of every rollup's writes.
        """
        return self.filter(scope_q(scope))


def scope_q(scope: str) -> Q:
    """The condition of ScoreQuerySet.in_scope, to combine with others (index-friendly: an IN list
    on the scope column)."""
    return Q(scope__in=[scope, BOTH_SCOPES])


class Score(models.Model):
    """One figure set for (unit, scope, dimension or overall, procedure or all, period).

    The additive sums (n, Σx, Σy, Σx², Σy², Σxy per method) are kept next to the finished
    figures so that periods and subtrees can be summed and intervals recomputed exactly.
    x = rated answers of a response, y = its satisfied answers (SIPAS: 4–5) or its
    not-dissatisfied answers (Decision 766: 3–5).
    """

    # Scores are derived data, rebuilt by the rollup from the answers: the database keeps no
    # foreign-key triggers on them (their per-row checks at commit cost ~40% of a full
    # recompute on PostgreSQL); Django still cascades deletions. The unique key (unit first) and
    # `score_period_scope` cover the lookups, so the columns need no index of their own.
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="scores", db_constraint=False, db_index=False)
    scope = models.CharField(max_length=8, choices=StoredScope.choices)
    dimension = models.ForeignKey(
        Dimension, models.CASCADE, null=True, blank=True, related_name="+", db_constraint=False, db_index=False
    )
    procedure = models.ForeignKey(
        Procedure, models.CASCADE, null=True, blank=True, related_name="+", db_constraint=False, db_index=False
    )
    period_type = models.CharField(max_length=8, choices=PeriodType.choices)
    period_start = models.DateField()

    responses = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0, help_text="Rated answers (Σx).")
    satisfied = models.PositiveIntegerField(default=0, help_text="Rated 4–5 (Σy, SIPAS).")
    not_dissatisfied = models.PositiveIntegerField(default=0, help_text="Rated 3–5 (Σy, Decision 766).")
    dissatisfied = models.PositiveIntegerField(default=0, help_text="Rated 1–2.")
    sum_values = models.BigIntegerField(default=0)
    sum_x2 = models.BigIntegerField(default=0)
    sum_y2_sipas = models.BigIntegerField(default=0)
    sum_xy_sipas = models.BigIntegerField(default=0)
    sum_y2_766 = models.BigIntegerField(default=0)
    sum_xy_766 = models.BigIntegerField(default=0)

    mean = models.FloatField(null=True)
    index_sipas = models.FloatField(null=True)
    ci_low_sipas = models.FloatField(null=True)
    ci_high_sipas = models.FloatField(null=True)
    index_766 = models.FloatField(null=True)
    ci_low_766 = models.FloatField(null=True)
    ci_high_766 = models.FloatField(null=True)
    enough_responses = models.BooleanField(default=False)
    # Effective sample size of each index (scoring.effective_size): what the interval and the
    # presentation rule (reports.presentation) are judged on.
    n_eff_sipas = models.FloatField(null=True)
    n_eff_766 = models.FloatField(null=True)
    change_sipas = models.FloatField(null=True)
    change_sipas_significant = models.BooleanField(default=False)
    change_766 = models.FloatField(null=True)
    change_766_significant = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            # "Overall" and "all procedures" are NULL; an expression index over COALESCE(…, 0)
            # makes them one key on every database (SQLite ignores nulls_distinct=False).
            # Unit and period lead, so the key also serves every lookup of one unit's figures (a
            # separate (unit, period) index cost every rollup write a fourth index entry).
            models.UniqueConstraint(
                "unit",
                "period_type",
                "period_start",
                "scope",
                Coalesce("dimension", Value(0)),
                Coalesce("procedure", Value(0)),
                name="score_one_row_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["period_type", "period_start", "scope"], name="score_period_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.scope} {self.period_type} {self.period_start}"


class RollupRun(models.Model):
    """One run of the rollup: its window, watermark, counts, timing and outcome."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    class Mode(models.TextChoices):
        INCREMENTAL = "incremental", _("incremental")
        FULL = "full", _("full")
        WINDOW = "window", _("window")

    mode = models.CharField(max_length=12, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    watermark = models.DateTimeField(null=True, blank=True, help_text="Responses changed up to here are counted.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    responses_seen = models.PositiveIntegerField(default=0)
    keys_recomputed = models.PositiveIntegerField(default=0)
    scores_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The method settings that shaped the scores this run wrote (DESIGN.md: the method is part of
    # the data). An incremental run under other settings than the stored scores' runs in full.
    include_open_link = models.BooleanField(_("open-link answers in scores"), null=True)
    min_responses = models.PositiveIntegerField(_("minimum responses"), null=True)
    interval_method = models.CharField(_("interval method"), max_length=24, blank=True)
    method_version = models.CharField(_("method version"), max_length=16, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")

    def __str__(self) -> str:
        return f"{self.mode} {self.status} {self.started_at:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- rollup internals


class RollupDirtyKey(models.Model):
    """A (unit, moment) whose local day the next rollup must recompute, whatever changed it.

    Written by database triggers (migration 0009_i14), not by Python: when a response is deleted,
    or its exclusion, unit, procedure, channel, version or time changes, or one of its answers is
    changed or deleted — through the moderation service, the admin, the shell or a raw UPDATE —
    its old and new keys land here in the same transaction. A deleted response leaves nothing
    else behind, so this row is what lets the rollup recompute its day. The rollup consumes the
    rows it has read in the transaction that recomputes them.
    """

    unit_id = models.BigIntegerField()
    submitted_at = models.DateTimeField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = _("key to recompute")
        verbose_name_plural = _("keys to recompute")


class DaySum(models.Model):
    """Additive sums of one local day for (unit, procedure, dimension): the rollup's base level.

    Months, quarters, years and subtrees are sums of these rows (DESIGN.md, Uncertainty), so a
    late answer or an exclusion only recomputes its own day, and the rows above change by the
    day's difference. Keys are never NULL: `procedure_key` 0 = all procedures (a row per
    dimension), > 0 = one procedure (overall only: procedures get no per-dimension figures);
    `dimension_key` 0 = overall (all rated answers of the response), −1 = rated answers of
    questions without a dimension (counted in overall only).
    Excluded responses and, by default, open-link answers are never in these rows.
    """

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    day = models.DateField()
    procedure_key = models.BigIntegerField(default=0)
    dimension_key = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    answers = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    not_dissatisfied = models.BigIntegerField(default=0)
    dissatisfied = models.BigIntegerField(default=0)
    sum_values = models.BigIntegerField(default=0)
    sum_x2 = models.BigIntegerField(default=0)
    sum_y2_sipas = models.BigIntegerField(default=0)
    sum_xy_sipas = models.BigIntegerField(default=0)
    sum_y2_766 = models.BigIntegerField(default=0)
    sum_xy_766 = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "procedure_key", "dimension_key"], name="daysum_one_row_per_key"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="daysum_day")]


class ChannelDay(models.Model):
    """Additive sums of one local day for (unit, channel), overall only: receipt, kiosk and open-link
    answers reported apart (DESIGN.md, Channels), open-link ones whatever the scores setting.

    Kept beside DaySum, by the same runs (reports.channels): a full run rebuilds it, an incremental
    run rebuilds the touched (unit, day) keys. Excluded responses are never in it. Periods and
    subtrees are sums of these rows at read time (a unit has three rows a day at most).
    """

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    day = models.DateField()
    channel = models.CharField(max_length=10)
    responses = models.BigIntegerField(default=0)
    answers = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    not_dissatisfied = models.BigIntegerField(default=0)
    sum_values = models.BigIntegerField(default=0)
    sum_x2 = models.BigIntegerField(default=0)
    sum_y2_sipas = models.BigIntegerField(default=0)
    sum_xy_sipas = models.BigIntegerField(default=0)
    sum_y2_766 = models.BigIntegerField(default=0)
    sum_xy_766 = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "channel"], name="channelday_one_row_per_key"),
        ]
        indexes = [models.Index(fields=["day"], name="channelday_day")]


class UnitClosure(models.Model):
    """Ancestor → descendant pairs (each unit is its own ancestor): whose answers a subtree holds.

    Built from the unit tree plus full successions already in force: a unit merged in full into
    a successor counts, with its whole history, in the successor's subtree and above.
    """

    ancestor = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    descendant = models.ForeignKey(Unit, models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["descendant", "ancestor"], name="unitclosure_unique_pair"),
        ]


class CalendarDay(models.Model):
    """Which period of each type a local day belongs to, so SQL can group days on any database."""

    day = models.DateField()
    period_type = models.CharField(max_length=8, choices=PeriodType.choices)
    period_start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "period_type"], name="calendarday_one_per_type"),
        ]


# --------------------------------------------------------------------------- dashboards: open data, moderation
# (owned by the dashboards area; kept at the end so the rollup's models above stay untouched)


class OpenDataPublication(models.Model):
    """A period's ranking of a unit's sub-units, which an administrator of that unit chose to publish.

    A draft is seen only by those who may see the unit; once published, the page and its CSV are
    public. The ranking is frozen into `rows` when it is published, so that a later recomputation
    never silently changes figures the public has already downloaded; publishing again refreshes it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="open_data_publications", verbose_name=_("unit"))
    period_type = models.CharField(_("period type"), max_length=8, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    rows = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-period_start", "unit__path"]
        verbose_name = _("open-data publication")
        verbose_name_plural = _("open-data publications")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_type", "period_start"], name="open_data_one_per_period"),
            *length_checks("open_data", note=1000),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.period_type} {self.period_start} ({self.status})"


class ModerationEvent(models.Model):
    """The audit trail of moderation: who excluded or re-included a response, when and why."""

    class Action(models.TextChoices):
        EXCLUDE = "exclude", _("excluded")
        INCLUDE = "include", _("re-included")
        REASSIGN = "reassign", _("reassigned")

    response = models.ForeignKey("surveys.Response", models.CASCADE, related_name="moderation_events")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")
        constraints = length_checks("moderation_event", reason=200)

    def __str__(self) -> str:
        return f"{self.action} #{self.response_id} {self.at:%Y-%m-%d %H:%M}"


class ReviewFlag(models.Model):
    """A batch of responses that looks like abuse, held for a manager's review (never dropped automatically).

    Raised by `reports.abuse.detect` (run with every incremental rollup): a burst of answers from one
    client or one kiosk (same `Response.client_hash`), or many identical answer sets at one unit in a
    short time. The responses keep counting until an administrator excludes the batch (audited,
    recomputed through the moderation service) or a manager dismisses the flag.
    """

    class Kind(models.TextChoices):
        BURST_CLIENT = "burst_client", _("burst of answers from one client")
        BURST_KIOSK = "burst_kiosk", _("burst of answers from one kiosk")
        IDENTICAL = "identical", _("identical answer patterns")

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        EXCLUDED = "excluded", _("batch excluded")
        DISMISSED = "dismissed", _("dismissed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # What the batch shares: a digest of the client hash, the kiosk, or the answer pattern.
    key = models.CharField(max_length=64, db_index=True)
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name=_("unit"))
    kiosk = models.ForeignKey("surveys.Kiosk", models.SET_NULL, null=True, blank=True, related_name="+")
    responses = models.ManyToManyField("surveys.Response", related_name="review_flags")
    count = models.PositiveIntegerField(_("responses"), default=0)
    first_at = models.DateTimeField(_("first answer"))
    last_at = models.DateTimeField(_("last answer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-last_at", "-id"]
        verbose_name = _("review flag")
        verbose_name_plural = _("review flags")
        indexes = [models.Index(fields=["kind", "key", "last_at"], name="reviewflag_kind_key_last")]
        constraints = length_checks("review_flag", note=200)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.count} · {self.unit.code}"


def _export_path(job, filename: str) -> str:
    return f"exports/{job.pk}/{filename}"


class ExportJob(models.Model):
    """A large CSV/XLSX export built by a worker (reports.export_jobs), downloaded later.

    Rules protected: the id is a random UUID and the only handle on the file; only `user` may
    download it, and only while still permitted for what it covers (`unit`, or for a comparison
    every unit in `scope_unit_ids`); it expires at `expires_at` (settings.EXPORT_TTL_HOURS) and
    the beat cleanup removes its file. `params` hold the query as asked, with the period resolved,
    so that a rebuild (a redelivered task) writes the same selection under the same id."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("unit dashboard")
        COMPARE = "compare", _("comparison")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a worker")
        RUNNING = "running", _("being built")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    fmt = models.CharField(max_length=4)
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="+")
    scope_unit_ids = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="vi")
    estimated_rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=120, blank=True)
    file = models.FileField(upload_to=_export_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.fmt} {self.pk}"

    @property
    def download_name(self) -> str:
        return f"{self.filename}.{self.fmt}"
