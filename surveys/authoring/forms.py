"""Forms of the authoring pages. They only validate; `services` writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies import bounds
from agencies.models import Unit

from ..models import Dimension, Question, QuestionKind
from .checks import CHOICE_KINDS, RATED_KINDS
from .services import ChoiceData

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


# The database enforces these too (surveys.models constraints).
INTRO_MAX_LENGTH = 4000
CHOICE_MAX_LENGTH = 200
# The choices box as a whole: 50 choices of the longest kind (a choice is a line).
CHOICES_BOX_MAX_LENGTH = 50 * (CHOICE_MAX_LENGTH + 1)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def _window_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d"],
        help_text=_("Optional. Vietnam time."),
        error_messages={"invalid": _("Enter a date and time, like 2026-01-31 17:00.")},
        validators=[bounds.check_date],
    )


class RevisionField(forms.IntegerField):
    """The draft revision the page was rendered with: the optimistic lock."""

    def __init__(self, **kwargs):
        message = _("The form is incomplete. Please reload the page and try again.")
        super().__init__(
            widget=forms.HiddenInput,
            min_value=0,
            error_messages={"required": message, "invalid": message, "min_value": message},
            **kwargs,
        )


class WindowMixin:
    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The survey must close after it opens."))
        return cleaned


class UnitChoiceField(forms.ModelChoiceField):
    """Units as an indented tree, so a manager of a large subtree sees where each one sits."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


class SurveyCreateForm(forms.Form):
    START_STANDARD = "standard"
    START_BLANK = "blank"

    owner = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The survey applies to this unit and every unit below it that has no survey of its own."),
        error_messages={"invalid_choice": _("Choose one of the units you manage.")},
    )
    start = forms.ChoiceField(
        label=_("Start from"),
        choices=[
            (START_STANDARD, _("a copy of the city's standard survey (the five elements), to edit")),
            (START_BLANK, _("a blank survey")),
        ],
        initial=START_STANDARD,
        widget=forms.RadioSelect,
    )
    title_vi = forms.CharField(
        label=_("Title (Vietnamese)"),
        max_length=200,
        required=False,
        help_text=_("Required for a blank survey; the standard title is used when left empty."),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    allow_open_link = forms.BooleanField(
        label=_("Also allow answers through an open link (reported separately)"), required=False
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            # Dissolved or inactive units take no new survey.
            units = units.filter(active=True).order_by("path")
            self.fields["owner"].queryset = units
            if units.count() == 1:
                self.fields["owner"].initial = units.first()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") == self.START_BLANK and not (cleaned.get("title_vi") or "").strip():
            self.add_error("title_vi", _("A blank survey needs a Vietnamese title."))
        return cleaned


class VersionForm(WindowMixin, forms.Form):
    revision = RevisionField()
    title_vi = forms.CharField(
        label=_("Title (Vietnamese)"),
        max_length=200,
        error_messages={"required": _("The Vietnamese title is required.")},
    )
    title_en = forms.CharField(
        label=_("Title (English)"),
        max_length=200,
        required=False,
        help_text=_("When empty, English readers see the Vietnamese title."),
    )
    intro_vi = forms.CharField(
        label=_("Introduction (Vietnamese)"),
        required=False,
        max_length=INTRO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"),
        required=False,
        max_length=INTRO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    opens_at = _window_field(_("Opens at"))
    closes_at = _window_field(_("Closes at"))


class ScheduleForm(WindowMixin, forms.Form):
    opens_at = _window_field(_("Opens at"))
    closes_at = _window_field(_("Closes at"))


class QuestionForm(forms.Form):
    revision = RevisionField()
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices, initial=QuestionKind.RATING)
    text_vi = forms.CharField(
        label=_("Question (Vietnamese)"),
        max_length=500,
        error_messages={"required": _("Write the question in Vietnamese.")},
    )
    text_en = forms.CharField(
        label=_("Question (English)"),
        max_length=500,
        required=False,
        help_text=_("When empty, English readers see the Vietnamese text."),
    )
    help_vi = forms.CharField(label=_("Help (Vietnamese)"), max_length=500, required=False)
    help_en = forms.CharField(label=_("Help (English)"), max_length=500, required=False)
    dimension = forms.ModelChoiceField(
        label=_("Dimension"),
        queryset=Dimension.objects.all(),
        required=False,
        empty_label=_("— none —"),
        help_text=_("Rating questions (1–5) count towards this dimension's satisfaction index."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    on_kiosk = forms.BooleanField(label=_("Show on kiosks"), required=False)
    choices_vi = forms.CharField(
        label=_("Choices (Vietnamese), one per line"),
        required=False,
        max_length=CHOICES_BOX_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For single and multiple choice questions."),
    )
    choices_en = forms.CharField(
        label=_("Choices (English), one per line, in the same order"),
        required=False,
        max_length=CHOICES_BOX_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @classmethod
    def initial_for(cls, question: Question, revision: int) -> dict:
        choices = list(question.choices.all())
        return {
            "revision": revision,
            "kind": question.kind,
            "text_vi": question.text_vi,
            "text_en": question.text_en,
            "help_vi": question.help_vi,
            "help_en": question.help_en,
            "dimension": question.dimension_id,
            "required": question.required,
            "on_kiosk": question.on_kiosk,
            "choices_vi": "\n".join(c.text_vi for c in choices),
            "choices_en": "\n".join(c.text_en for c in choices),
        }

    @staticmethod
    def _lines(value: str) -> list[str]:
        return [line.strip() for line in (value or "").splitlines()]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        vi = [line for line in self._lines(cleaned.get("choices_vi")) if line]
        en_raw = self._lines(cleaned.get("choices_en"))
        en = [line for line in en_raw if line]
        if kind in CHOICE_KINDS:
            if len(vi) < 2:
                self.add_error("choices_vi", _("A choice question needs at least two choices, one per line."))
            elif len(vi) != len(set(vi)):
                self.add_error("choices_vi", _("Two choices have the same text."))
            for name, lines in (("choices_vi", vi), ("choices_en", en)):
                if any(len(line) > CHOICE_MAX_LENGTH for line in lines):
                    self.add_error(
                        name, _("A choice is at most %(limit)d characters long.") % {"limit": CHOICE_MAX_LENGTH}
                    )
            if en and len(en) != len(vi):
                self.add_error(
                    "choices_en",
                    _("Give as many English choices as Vietnamese ones (%(vi)s), or none.") % {"vi": len(vi)},
                )
        elif kind and (vi or en):
            self.add_error("choices_vi", _("Only single and multiple choice questions have choices."))
        if kind and kind not in RATED_KINDS and cleaned.get("dimension") is not None:
            self.add_error("dimension", _("Only rating questions (1–5) count towards a dimension."))
        cleaned["choice_list"] = [ChoiceData(text_vi=t, text_en=en[i] if i < len(en) else "") for i, t in enumerate(vi)]
        return cleaned

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            "kind": c["kind"],
            "text_vi": c["text_vi"],
            "text_en": c["text_en"],
            "help_vi": c["help_vi"],
            "help_en": c["help_en"],
            "required": c["required"],
            "dimension": c["dimension"],
            "on_kiosk": c["on_kiosk"],
            "choices": c["choice_list"],
        }
