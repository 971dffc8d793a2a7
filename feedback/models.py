"""What closes the loop with citizens and managers.

- Reply: a unit's public answer to one comment; only the citizen who wrote it reads it.
- ReplyKey: the keyed hash of the reply key given to that citizen at submission (feedback.reply_keys).
- CommentTopic: the topics a comment is about (feedback.topics), one row per (response, topic).
- AlertPreference / AlertDelivery: which alerts a person wants, and an outbox of e-mails with one
  row per (kind, unit, period, person), so that a retried task never sends the same alert twice.
- Action: "You said, we did" — what a unit did in answer to feedback, public.
- ImprovementPlan: the plan a unit files after two months below the lower control limit.
- MonthlyReport: the generated PDF of one unit and month.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.bounds import length_checks
from agencies.models import Unit
from surveys.models import Response


class Topic(models.TextChoices):
    ATTITUDE = "attitude", _("attitude of officials")
    WAITING = "waiting", _("waiting time")
    FEES = "fees", _("fees")
    GUIDANCE = "guidance", _("guidance and paperwork")
    FACILITIES = "facilities", _("facilities")
    RESULTS = "results", _("results and deadlines")
    ONLINE = "online", _("online services")
    OTHER = "other", _("other subjects")


class Reply(models.Model):
    """A unit's public reply to one comment.

    Rules protected: the text is masked like comments before it is stored; a withdrawn reply is
    shown to nobody; the citizen reads it only with the receipt code and their reply key
    (feedback.views.reply_for_code).
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    response = models.OneToOneField(Response, models.CASCADE, related_name="reply")
    text = models.TextField(_("reply"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = length_checks("reply", text=2000)

    def __str__(self) -> str:
        return f"reply to #{self.response_id}"


class ReplyKey(models.Model):
    """The keyed hash of the key that opens the reply to one response; never the key itself.

    Made in the response's own transaction (feedback.reply_keys.issue); no date, no device, nothing
    that tells who answered.
    """

    response = models.OneToOneField(Response, models.CASCADE, primary_key=True, related_name="reply_key")
    key_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("reply key")
        verbose_name_plural = _("reply keys")

    def __str__(self) -> str:
        return f"reply key of #{self.response_id}"


class CommentTopic(models.Model):
    response = models.ForeignKey(Response, models.CASCADE, related_name="comment_topics")
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    # The rule set that tagged it; a newer rule set re-tags (feedback.topics.RULES_VERSION).
    rules_version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("comment topic")
        verbose_name_plural = _("comment topics")
        constraints = [models.UniqueConstraint(fields=["response", "topic"], name="comment_topic_once")]
        indexes = [models.Index(fields=["topic", "response"], name="comment_topic_topic")]

    def __str__(self) -> str:
        return f"#{self.response_id} {self.topic}"


class AlertKind(models.TextChoices):
    FALL = "fall", _("significant fall of the index")
    FUNNEL = "funnel", _("below the lower control limit")
    LOW_COMMENT = "low_comment", _("comment rated 1–2")
    DIGEST = "digest", _("weekly digest")


class AlertPreference(models.Model):
    """Which alerts one person gets; absent means all of them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="alert_preference")
    fall = models.BooleanField(_("significant fall of the index"), default=True)
    funnel = models.BooleanField(_("below the lower control limit"), default=True)
    low_comment = models.BooleanField(_("comment rated 1–2"), default=True)
    digest = models.BooleanField(_("weekly digest"), default=True)
    language = models.CharField(
        _("language of the e-mails"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return f"alerts of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, False))


class AlertDelivery(models.Model):
    """One e-mail to one person: the outbox row. Unique per (kind, unit, period key, person), so a
    retried detection never makes a second one; sending retries with backoff (feedback.alerts)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("gave up")

    kind = models.CharField(max_length=12, choices=AlertKind.choices)
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    # The period or event: "2025-10" (month), "2025-W44" (week), "response:123" (one comment).
    period_key = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "unit", "period_key", "user"], name="alert_once_per_period"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alert_outbox")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_key} → {self.user_id}"


class Action(models.Model):
    """ "You said, we did": one thing a unit did in answer to feedback, shown publicly."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="feedback_actions", verbose_name=_("unit"))
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices, blank=True)
    heard = models.TextField(_("what we heard"), max_length=2000)
    done = models.TextField(_("what we did"), max_length=2000)
    done_on = models.DateField(_("done on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = _("action taken")
        verbose_name_plural = _("actions taken")
        constraints = length_checks("action", heard=2000, done=2000)

    def __str__(self) -> str:
        return f"{self.unit_id} {self.done_on}"


class ImprovementPlan(models.Model):
    """A unit's plan after two months in a row below the lower control limit (feedback.plans)."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="improvement_plans", verbose_name=_("unit"))
    # The second month below the limit: the plan answers this trigger.
    trigger_month = models.DateField(_("month that triggered it"))
    problem = models.TextField(_("problem"), max_length=4000)
    actions = models.TextField(_("actions"), max_length=4000)
    owner = models.CharField(_("owner"), max_length=200)
    deadline = models.DateField(_("deadline"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-trigger_month", "-id"]
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        constraints = [
            models.UniqueConstraint(fields=["unit", "trigger_month"], name="plan_once_per_trigger"),
            *length_checks("plan", problem=4000, actions=4000, owner=200),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.trigger_month:%Y-%m}"


class MonthlyReport(models.Model):
    """The monthly PDF of one unit (the city is a unit too), generated by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    month = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="monthly_report_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"
