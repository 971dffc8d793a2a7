"""Forms of the citizen pages. They only validate; services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .codes import normalise_code


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
