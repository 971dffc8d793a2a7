"""What citizens answer: surveys and their versions, receipts, kiosks, responses, answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.bounds import length_checks
from agencies.models import Procedure, ServicePoint, Unit


def _localised(obj, field: str) -> str:
    """English text when the page is in English and it exists, else the Vietnamese one."""
    if (get_language() or "vi").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_vi")


# The dates the product accepts (agencies.bounds), as instants the database can compare.
_EPOCH_MIN = datetime(2000, 1, 1, tzinfo=UTC)
_EPOCH_END = datetime(2101, 1, 1, tzinfo=UTC)


class Dimension(models.Model):
    """A scored aspect of service: the five SIPAS elements in the standard survey."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        constraints = length_checks("dimension", code=32, name_vi=120, name_en=120)

    @property
    def name(self) -> str:
        return _localised(self, "name")

    def __str__(self) -> str:
        return self.name


class Survey(models.Model):
    """A survey owned by a unit; it applies to that unit's subtree. Its content lives in versions.

    The city's standard survey (`is_standard`) applies wherever no nearer unit has one of its own.
    """

    owner = models.ForeignKey(Unit, models.PROTECT, related_name="surveys", verbose_name=_("owner unit"))
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    is_standard = models.BooleanField(_("city standard survey"), default=False)
    allow_open_link = models.BooleanField(
        _("open link allowed"), default=False, help_text=_("Answers without a receipt, reported separately.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["owner__path", "slug"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = length_checks("survey", slug=60)

    def __str__(self) -> str:
        current = self.versions.order_by("-number").first()
        return f"{current.title if current else self.slug} ({self.owner.code})"


class SurveyVersion(models.Model):
    """One version of a survey. A published version is frozen: its questions never change.

    Responses point at the exact version answered; scores stay comparable across versions
    through the dimensions of the questions.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CLOSED = "closed", _("closed")

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_vi = models.TextField(_("introduction (Vietnamese)"), blank=True, max_length=4000)
    intro_en = models.TextField(_("introduction (English)"), blank=True, max_length=4000)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock for concurrent edits of a draft.
    revision = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["survey", "-number"]
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_number_unique"),
            models.UniqueConstraint(
                fields=["survey"], condition=Q(status="published"), name="survey_one_published_version"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="survey_version_window_ordered",
            ),
            # Text bounds the database holds too (the forms say so first, with a message).
            *length_checks("survey_version", title_vi=200, title_en=200),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("intro_vi"), 4000)) & Q(LessThanOrEqual(Length("intro_en"), 4000)),
                name="survey_version_intro_bounded",
            ),
            # 2000–2100 (agencies.bounds): a year-1 date is stored fine and then breaks every page.
            models.CheckConstraint(
                condition=(Q(opens_at__isnull=True) | Q(opens_at__gte=_EPOCH_MIN, opens_at__lt=_EPOCH_END))
                & (Q(closes_at__isnull=True) | Q(closes_at__gte=_EPOCH_MIN, closes_at__lt=_EPOCH_END)),
                name="survey_version_window_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def intro(self) -> str:
        return _localised(self, "intro")

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT

    def is_open_at(self, moment=None) -> bool:
        """Published, and the moment falls inside the optional opening window."""
        moment = moment or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and (self.opens_at is None or self.opens_at <= moment)
            and (self.closes_at is None or moment < self.closes_at)
        )


class FrozenVersionError(ValidationError):
    """A question, choice or dimension assignment of a published (or closed) version was to change.

    The message names the version and says what to do: make a new version. The database refuses the
    same change by triggers (migration 0002_i14), for the paths that never call save()."""

    def __init__(self, version: SurveyVersion) -> None:
        self.version = version
        super().__init__(
            _(
                "Version %(number)s of “%(title)s” is %(status)s: its questions, choices and dimensions "
                "can no longer change. Make a new version to edit them."
            )
            % {"number": version.number, "title": version.title, "status": version.get_status_display()},
            code="frozen",
        )


def _refuse_if_frozen(version_ids) -> None:
    frozen = (
        SurveyVersion.objects.filter(pk__in=[v for v in version_ids if v is not None])
        .exclude(status=SurveyVersion.Status.DRAFT)
        .first()
    )
    if frozen is not None:
        raise FrozenVersionError(frozen)


class QuestionKind(models.TextChoices):
    RATING = "rating", _("rating 1–5")
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")
    YESNO = "yesno", _("yes / no")
    TEXT = "text", _("free text")
    SCALE10 = "scale10", _("scale 0–10")


class Question(models.Model):
    version = models.ForeignKey(SurveyVersion, models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.RATING)
    text_vi = models.CharField(_("question (Vietnamese)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    help_vi = models.CharField(_("help (Vietnamese)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    dimension = models.ForeignKey(
        Dimension, models.PROTECT, null=True, blank=True, related_name="questions", verbose_name=_("dimension")
    )
    # Short questions shown on the kiosk's single screen.
    on_kiosk = models.BooleanField(_("shown on kiosks"), default=True)

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = length_checks("question", text_vi=500, text_en=500, help_vi=500, help_en=500)

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _localised(self, "text")

    @property
    def help(self) -> str:
        return _localised(self, "help")

    def save(self, *args, **kwargs):
        """A new question may join any version; an existing one changes only in a draft."""
        if self.pk is not None and not self._state.adding:
            stored = Question.objects.filter(pk=self.pk).values_list("version_id", flat=True).first()
            _refuse_if_frozen([stored, self.version_id])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_frozen([self.version_id])
        return super().delete(*args, **kwargs)


class Choice(models.Model):
    question = models.ForeignKey(Question, models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_vi = models.CharField(_("choice (Vietnamese)"), max_length=200)
    text_en = models.CharField(_("choice (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["question", "order", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = length_checks("choice", text_vi=200, text_en=200)

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _localised(self, "text")

    def _versions(self) -> list[int]:
        ids = [self.question_id]
        if self.pk is not None and not self._state.adding:
            ids.append(Choice.objects.filter(pk=self.pk).values_list("question_id", flat=True).first())
        return list(Question.objects.filter(pk__in=[i for i in ids if i]).values_list("version_id", flat=True))

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            _refuse_if_frozen(self._versions())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_frozen(self._versions())
        return super().delete(*args, **kwargs)


class ApiToken(models.Model):
    """A token of a unit's one-stop software; it may issue receipts for the unit's subtree only.

    Only a hash of the token is stored; the token itself is shown once, when created.
    """

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="api_tokens", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=120)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text=_("First characters, to recognise it."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = length_checks("api_token", name=120)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Kiosk(models.Model):
    """A tablet at a counter, registered by a manager. Revoking the token stops it at once."""

    service_point = models.ForeignKey(ServicePoint, models.CASCADE, related_name="kiosks")
    label = models.CharField(_("label"), max_length=120)
    token = models.CharField(max_length=64, unique=True, editable=False)
    procedure = models.ForeignKey(
        Procedure, models.SET_NULL, null=True, blank=True, verbose_name=_("default procedure")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        constraints = length_checks("kiosk", label=120)

    def __str__(self) -> str:
        return self.label

    @property
    def unit(self) -> Unit:
        return self.service_point.unit


class RespondentKind(models.TextChoices):
    """Who filed the dossier: DESIGN.md's yardstick is the satisfaction of citizens *and* businesses."""

    INDIVIDUAL = "individual", _("individual")
    ORGANISATION = "organisation", _("organisation or business")


class Receipt(models.Model):
    """One completed transaction at a one-stop shop, with an unguessable single-use code.

    `code` is stored normalised (upper case, no separators); it is shown in groups.
    The dossier reference is kept only as a keyed hash, so it cannot be read back.
    `channel` says how the dossier was handled: at a counter, or online (a level 3–4 online public
    service, the link sent with the result notification); answers to an online dossier's receipt
    are counted under the `online` channel. `respondent_kind` is who filed it, when the one-stop
    software knows ("" when not given).
    """

    class Channel(models.TextChoices):
        COUNTER = "counter", _("at a counter")
        ONLINE = "online", _("online dossier")

    code = models.CharField(_("code"), max_length=16, unique=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="receipts", verbose_name=_("unit"))
    service_point = models.ForeignKey(ServicePoint, models.SET_NULL, null=True, blank=True)
    procedure = models.ForeignKey(Procedure, models.SET_NULL, null=True, blank=True)
    dossier_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    issued_by_token = models.ForeignKey(ApiToken, models.SET_NULL, null=True, blank=True, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # Database defaults too: bulk loaders (COPY in the benchmarks, the demo) may leave them out.
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.COUNTER, db_default=Channel.COUNTER
    )
    respondent_kind = models.CharField(
        _("respondent kind"), max_length=12, choices=RespondentKind.choices, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")), name="receipt_expires_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        c = self.code
        return "-".join(part for part in (c[:4], c[4:8], c[8:]) if part)

    def is_expired(self, moment=None) -> bool:
        return (moment or timezone.now()) >= self.expires_at


class Response(models.Model):
    """One citizen's submitted answers. A receipt gives at most one response (database rule)."""

    class Channel(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        KIOSK = "kiosk", _("kiosk")
        ONLINE = "online", _("online dossier")
        LINK = "link", _("open link")

    version = models.ForeignKey(SurveyVersion, models.PROTECT, related_name="responses")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="responses", verbose_name=_("unit"))
    service_point = models.ForeignKey(ServicePoint, models.SET_NULL, null=True, blank=True)
    procedure = models.ForeignKey(Procedure, models.SET_NULL, null=True, blank=True)
    receipt = models.OneToOneField(Receipt, models.PROTECT, null=True, blank=True, related_name="response")
    kiosk = models.ForeignKey(Kiosk, models.SET_NULL, null=True, blank=True, related_name="responses")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Copied from the receipt when the response answers one ("" when unknown).
    respondent_kind = models.CharField(
        _("respondent kind"), max_length=12, choices=RespondentKind.choices, blank=True, default="", db_default=""
    )
    language = models.CharField(_("language"), max_length=8, default="vi")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    comment = models.TextField(_("comment"), blank=True, max_length=2000, help_text=_("Masked before it is stored."))
    # Salted hash of the client address or device, for abuse checks; never the raw address.
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    excluded = models.BooleanField(_("excluded"), default=False)
    excluded_reason = models.CharField(_("reason for exclusion"), max_length=200, blank=True)
    excluded_at = models.DateTimeField(null=True, blank=True)
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # Bumped on insert and on every exclusion or re-inclusion: the rollup's watermark column.
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            models.Index(fields=["unit", "submitted_at"], name="response_unit_submitted"),
            # The moderation list of a city administrator: one month of every unit, newest month first.
            models.Index(fields=["submitted_at"], name="response_submitted_i19"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="receipt", receipt__isnull=False) | ~Q(channel="receipt"),
                name="response_receipt_channel_has_receipt",
            ),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("comment"), 2000)), name="response_comment_bounded"
            ),
            *length_checks("response", excluded_reason=200),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit.code} {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    """One answer of a response to one question; the database checks the value against its kind.

    `kind` copies the question's kind so that the check can be a database constraint.
    A rating of None means "not applicable" and counts nowhere.
    """

    response = models.ForeignKey(Response, models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, models.PROTECT, related_name="answers")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    value = models.SmallIntegerField(null=True, blank=True)
    choice = models.ForeignKey(Choice, models.PROTECT, null=True, blank=True, related_name="+")
    choices = models.ManyToManyField(Choice, blank=True, related_name="+")
    text = models.TextField(blank=True, max_length=2000)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
            models.CheckConstraint(
                condition=(
                    Q(kind="rating", value__isnull=True)
                    | Q(kind="rating", value__gte=1, value__lte=5)
                    | Q(kind="scale10", value__gte=0, value__lte=10)
                    | Q(kind="scale10", value__isnull=True)
                    | Q(kind="yesno", value__in=[0, 1])
                    | Q(kind="yesno", value__isnull=True)
                    | Q(kind__in=["single", "multiple", "text"], value__isnull=True)
                ),
                name="answer_value_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="single") | Q(choice__isnull=True), name="answer_choice_only_for_single"
            ),
            models.CheckConstraint(condition=Q(LessThanOrEqual(Length("text"), 2000)), name="answer_text_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}={self.value}"


from .sum_models import AnswerArchive, ResponseSum  # noqa: F401  (the per-response sums, issue 15)
