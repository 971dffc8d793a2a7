"""Forms of the citizen pages: the code box and the survey itself. They only validate; services write."""

from __future__ import annotations

import re
from functools import partial

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from ..codes import normalise_code
from ..models import QuestionKind
from .services import COMMENT_MAX_LENGTH


class CodeEntryForm(forms.Form):
    code = forms.CharField(
        label=_("Code on your receipt"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "placeholder": "7K2F-9QXM-A3",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Please type the code printed on your receipt.")},
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("This does not look like a receipt code. A code has 10 letters and digits, like 7K2F-9QXM-A3.")
            )
        return code


# --------------------------------------------------------------------------- the survey

NOT_APPLICABLE = "na"
RATING_WORDS = [
    ("1", _("Very dissatisfied")),
    ("2", _("Dissatisfied")),
    ("3", _("Neutral")),
    ("4", _("Satisfied")),
    ("5", _("Very satisfied")),
]
_QUESTION_FIELD = re.compile(r"^q(\d+)$")


# Choices are given as callables: Django then reads them only when a page is drawn or a value
# checked, instead of normalising six lazy strings per question on every request.
def _rating_choices():
    return [*RATING_WORDS, (NOT_APPLICABLE, _("Not applicable"))]


def _scale_choices():
    return [(str(i), str(i)) for i in range(11)] + [(NOT_APPLICABLE, _("Not applicable"))]


def _yesno_choices():
    return [("1", _("Yes")), ("0", _("No"))]


def _question_choices(question):
    return [(str(c.pk), c.text) for c in question.choice_list]


class ChoiceButtons(forms.RadioSelect):
    """Radio buttons drawn as large tappable buttons (one fieldset and legend per question)."""

    use_fieldset = True


class CheckButtons(forms.CheckboxSelectMultiple):
    use_fieldset = True


def _required_error():
    return {
        "required": _("Please choose an answer to this question."),
        "invalid_choice": _("Please choose one of the answers shown."),
    }


class SurveyForm(forms.Form):
    """The answers of one citizen to one survey version.

    Fields are built from the version's questions (`q<id>`). Answers outside the scale, unknown
    question ids and a form of another version are refused with a message, keeping every valid
    answer on the page.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The form is incomplete. Please reload the page and answer again."),
            "invalid": _("The form is incomplete. Please reload the page and answer again."),
        },
    )

    notice = ""  # why a fresh form replaced the one sent (see views._repaired)

    def __init__(self, *args, questions, version, with_comment: bool = True, honeypot: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {f"q{q.pk}": q for q in questions}
        self.version_obj = version
        for name, question in self.questions.items():
            self.fields[name] = self._field_for(question)
        if with_comment:
            self.fields["comment"] = forms.CharField(
                label=_("Anything else you would like to tell us? (optional)"),
                help_text=_(
                    "Please do not write your name, phone number or ID number. "
                    "Phone numbers, e-mails and ID numbers are masked."
                ),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
                error_messages={
                    "max_length": _(
                        "Please shorten your comment to %(limit_value)d characters (it has %(show_value)d)."
                    )
                },
            )
        if honeypot:
            # Hidden from people by CSS and from screen readers; robots fill it in.
            self.fields["website"] = forms.CharField(
                label=_("Leave this field empty"),
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
            )
        self._with_comment, self._honeypot = with_comment, honeypot

    @property
    def helper(self) -> FormHelper:
        """The crispy layout, built only when the form is drawn (a valid POST never draws it)."""
        with_comment, honeypot = self._with_comment, self._honeypot
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        layout = []
        for name, question in self.questions.items():
            if question.kind == QuestionKind.TEXT:
                layout.append(Field(name))
            else:
                layout.append(Field(name, template="surveys/_choice_field.html"))
        if with_comment:
            layout.append(Field("comment"))
        if honeypot:
            layout.append(Field("website", wrapper_class="hp-field", aria_hidden="true"))
        layout += [Field("version"), Field("idempotency_key")]
        helper.layout = Layout(*layout)
        return helper

    @staticmethod
    def _field_for(question) -> forms.Field:
        common = {"label": question.text, "help_text": question.help, "required": question.required}
        kind = question.kind
        if kind == QuestionKind.RATING:
            field = forms.ChoiceField(
                choices=_rating_choices,
                widget=ChoiceButtons,
                error_messages=_required_error(),
                **common,
            )
            field.button_style = "rating"
        elif kind == QuestionKind.SCALE10:
            field = forms.ChoiceField(
                choices=_scale_choices,
                widget=ChoiceButtons,
                error_messages=_required_error(),
                **common,
            )
            field.button_style = "scale"
        elif kind == QuestionKind.YESNO:
            field = forms.ChoiceField(
                choices=_yesno_choices,
                widget=ChoiceButtons,
                error_messages=_required_error(),
                **common,
            )
            field.button_style = "yesno"
        elif kind == QuestionKind.SINGLE:
            field = forms.ChoiceField(
                choices=partial(_question_choices, question),
                widget=ChoiceButtons,
                error_messages=_required_error(),
                **common,
            )
            field.button_style = "list"
        elif kind == QuestionKind.MULTIPLE:
            field = forms.MultipleChoiceField(
                choices=partial(_question_choices, question),
                widget=CheckButtons,
                error_messages=_required_error(),
                **common,
            )
            field.button_style = "list"
        else:
            field = forms.CharField(
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "required": _("Please write an answer to this question."),
                    "max_length": _(
                        "Please shorten your answer to %(limit_value)d characters (it has %(show_value)d)."
                    ),
                },
                **common,
            )
        return field

    def clean_version(self) -> int:
        value = self.cleaned_data["version"]
        if value != self.version_obj.pk:
            raise forms.ValidationError(
                _("This survey was updated after you opened it. Please check your answers and send them again.")
            )
        return value

    def clean(self):
        cleaned = super().clean()
        unknown = [key for key in self.data if _QUESTION_FIELD.match(key) and key not in self.questions]
        if unknown:
            raise forms.ValidationError(
                _(
                    "The form contained answers to questions that are not in this survey. "
                    "Please reload the page and answer again."
                ),
                code="unknown_question",
            )
        return cleaned

    @property
    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def answers(self) -> dict:
        """{question: typed value} for the questions answered; not applicable is None."""
        result = {}
        for name, question in self.questions.items():
            raw = self.cleaned_data.get(name)
            if raw in (None, "", []):
                continue
            kind = question.kind
            if kind in (QuestionKind.RATING, QuestionKind.SCALE10, QuestionKind.YESNO):
                result[question] = None if raw == NOT_APPLICABLE else int(raw)
            elif kind == QuestionKind.SINGLE:
                result[question] = int(raw)
            elif kind == QuestionKind.MULTIPLE:
                result[question] = [int(v) for v in raw]
            else:
                result[question] = raw
        return result

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) of every error, for the summary at the top of the page."""
        items = []
        for error in self.non_field_errors():
            items.append(("", error))
        for name in ("version", "idempotency_key"):
            for error in self.errors.get(name, []):
                items.append(("", error))
        for name, field in self.fields.items():
            if name in ("version", "idempotency_key") or name not in self.errors:
                continue
            for error in self.errors[name]:
                items.append((f"id_{name}", f"{field.label}: {error}"))
        return items
