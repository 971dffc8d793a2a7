"""Filter and moderation forms of the dashboards. They only validate; selectors read and services write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Procedure, Unit
from surveys.models import Dimension

from .models import OpenDataPublication, Scope
from .periods import Period, period_choices
from .selectors import COMPARE_SORTS

METHOD_CHOICES = [("sipas", _("SIPAS (rated 4–5 = satisfied)")), ("766", _("Decision 766 (not rated 1–2)"))]
RATING_CHOICES = [("", _("any rating"))] + [(str(i), str(i)) for i in range(1, 6)]


class PeriodField(forms.CharField):
    """A reporting period key (2025-10, 2025-Q3, 2025), offered as a list but validated by parsing."""

    default_error_messages = {
        "invalid": _("Choose a reporting period such as 2025-10 (month), 2025-Q3 (quarter) or 2025 (year)."),
        "future": _("This reporting period has not started yet."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reporting period"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        super().__init__(widget=forms.Select(), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        period = Period.parse(value)
        if period is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if period.start > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")
        return period


class _PeriodChoicesMixin:
    """Offer the periods up to today (computed per request, not once at import)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_period_choices(None)

    def set_period_choices(self, period: Period | None) -> None:
        self.fields["period"].widget.choices = period_choices(timezone.localdate(), period)


class _FilterForm(_PeriodChoicesMixin, forms.Form):
    """A GET filter form whose invalid fields fall back to their defaults (and say so)."""

    def values(self) -> dict:
        """Cleaned values where valid, None where a field was rejected."""
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:
            data[name] = None
        return data


class DashboardForm(_FilterForm):
    period = PeriodField()
    scope = forms.ChoiceField(label=_("Answers counted"), required=False, choices=Scope.choices)
    method = forms.ChoiceField(label=_("Method"), required=False, choices=METHOD_CHOICES)
    dimension = forms.ModelChoiceField(
        label=_("Comments on element"),
        required=False,
        queryset=Dimension.objects.all(),
        to_field_name="code",
        empty_label=_("all elements"),
        error_messages={"invalid_choice": _("There is no such element.")},
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("A rating is a whole number from 1 to 5.")},
    )


class CompareForm(_FilterForm):
    period = PeriodField()
    method = forms.ChoiceField(label=_("Method"), required=False, choices=METHOD_CHOICES)
    kind = forms.ChoiceField(
        label=_("Kind of unit"), required=False, choices=[("", _("all kinds"))] + list(Unit.Kind.choices)
    )
    parent = forms.ChoiceField(
        label=_("Parent unit"),
        required=False,
        error_messages={"invalid_choice": _("You cannot see a unit with that code.")},
    )
    dimension = forms.ModelChoiceField(
        label=_("Element"),
        required=False,
        queryset=Dimension.objects.all(),
        to_field_name="code",
        empty_label=_("overall index"),
        error_messages={"invalid_choice": _("There is no such element.")},
    )
    procedure = forms.ModelChoiceField(
        label=_("Administrative procedure"),
        required=False,
        queryset=Procedure.objects.filter(active=True),
        to_field_name="code",
        empty_label=_("all procedures"),
        error_messages={"invalid_choice": _("There is no such administrative procedure.")},
    )
    former = forms.BooleanField(label=_("Include units dissolved in a reorganisation"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        error_messages={"invalid_choice": _("The table cannot be sorted by that column.")},
    )
    order = forms.ChoiceField(
        label=_("Order"), required=False, choices=[("asc", _("ascending")), ("desc", _("descending"))]
    )

    def __init__(self, *args, parents: list[Unit], dims: list[Dimension], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("any parent"))] + [(u.code, str(u)) for u in parents]
        self.fields["sort"].choices = [(key, key) for key in COMPARE_SORTS] + [(f"dim_{d.code}", d.name) for d in dims]


class ExcludeForm(forms.Form):
    REASONS = [("spam", _("spam")), ("test", _("test answer")), ("duplicate", _("duplicate")), ("other", _("other"))]
    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS)
    note = forms.CharField(
        label=_("Details"), required=False, max_length=150, help_text=_("Required when the reason is “other”.")
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why this response is excluded."))
        return data

    def reason_text(self) -> str:
        label = dict(self.REASONS)[self.cleaned_data["reason"]]
        note = (self.cleaned_data.get("note") or "").strip()
        return f"{label}: {note}" if note else str(label)


class IncludeForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it counted again?"),
        max_length=200,
        error_messages={"required": _("Say why this response is counted again.")},
    )


class PublicationForm(_PeriodChoicesMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Ranking of the sub-units of"),
        queryset=Unit.objects.none(),
        to_field_name="code",
        error_messages={"invalid_choice": _("You do not administer that unit.")},
    )
    period = PeriodField(required=True)
    note = forms.CharField(
        label=_("Note for readers"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["period"].error_messages["required"] = _("Choose the reporting period to publish.")

    def clean(self):
        data = super().clean()
        unit, period = data.get("unit"), data.get("period")
        if (
            unit is not None
            and period is not None
            and OpenDataPublication.objects.filter(
                unit=unit, period_type=period.type, period_start=period.start
            ).exists()
        ):
            raise forms.ValidationError(_("There is already a publication for this unit and period."))
        return data
