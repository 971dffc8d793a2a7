from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.codes import normalise_reply_key

from .models import AlertPreference, Topic
from .services import ACTION_MAX_LENGTH, REPLY_MAX_LENGTH


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Public reply"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Only the citizen reads it, with their receipt code and the reply key they were given "
            "when they answered. Phone numbers, e-mail addresses and ID numbers are masked."
        ),
    )


class ReplyKeyForm(forms.Form):
    """The reply key typed by the citizen (e.g. on another device); as forgiving as receipt codes."""

    key = forms.CharField(
        label=_("Reply key"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        ),
        help_text=_("The 8 letters and digits shown when you sent your answers, like 4HX9-QK2M."),
    )

    def clean_key(self):
        key = normalise_reply_key(self.cleaned_data["key"])
        if key is None:
            raise forms.ValidationError(_("A reply key has 8 letters and digits, like 4HX9-QK2M."))
        return key


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the reply withdrawn?"), max_length=200)


class ActionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", "—"), *Topic.choices], required=False)
    heard = forms.CharField(
        label=_("What we heard"), max_length=ACTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    done = forms.CharField(
        label=_("What we did"), max_length=ACTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    done_on = forms.DateField(label=_("Done on"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_done_on(self):
        value = self.cleaned_data["done_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("An action is published once it is done; the date cannot be in the future."))
        return value


class PlanForm(forms.Form):
    problem = forms.CharField(label=_("Problem"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(label=_("Actions"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.CharField(label=_("Owner (a role, e.g. Head of the one-stop shop)"), max_length=200)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return value


class AlertPreferenceForm(forms.ModelForm):
    class Meta:
        model = AlertPreference
        fields = ["fall", "funnel", "low_comment", "digest", "language"]
