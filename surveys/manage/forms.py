"""Forms of the manage pages of the citizen journey: a batch of receipts, a kiosk, an API token.
They only validate; `surveys.manage.services` writes. Unit choices are limited to the units the
manager manages (the view passes `request.units`)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Procedure, ServicePoint, Unit

from .services import MAX_RECEIPTS_PER_BATCH


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


class _ManagerForm(forms.Form):
    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ReceiptBatchForm(_ManagerForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    procedure = forms.ModelChoiceField(
        label=_("Administrative procedure"),
        queryset=Procedure.objects.none(),
        required=False,
        empty_label=_("(any procedure)"),
    )
    service_point = forms.ModelChoiceField(
        label=_("Service point"), queryset=ServicePoint.objects.none(), required=False, empty_label=_("(none)")
    )
    count = forms.IntegerField(label=_("Number of receipts"), min_value=1, max_value=MAX_RECEIPTS_PER_BATCH, initial=12)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, units=units, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.filter(active=True)
        self.fields["service_point"].queryset = ServicePoint.objects.filter(unit__in=units, active=True).select_related(
            "unit"
        )
        self.fields["service_point"].label_from_instance = lambda sp: f"{sp.name} — {sp.unit.code}"

    def clean(self):
        cleaned = super().clean()
        unit, point = cleaned.get("unit"), cleaned.get("service_point")
        if unit and point and point.unit_id != unit.pk:
            self.add_error("service_point", _("This service point belongs to another unit."))
        return cleaned


class KioskForm(forms.Form):
    service_point = forms.ModelChoiceField(label=_("Service point"), queryset=ServicePoint.objects.none())
    label = forms.CharField(
        label=_("Label"), max_length=120, help_text=_("How staff recognise the tablet, e.g. “Counter 2 tablet”.")
    )
    procedure = forms.ModelChoiceField(
        label=_("Default administrative procedure"),
        queryset=Procedure.objects.none(),
        required=False,
        empty_label=_("(any procedure)"),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_point"].queryset = ServicePoint.objects.filter(unit__in=units, active=True).select_related(
            "unit"
        )
        self.fields["service_point"].label_from_instance = lambda sp: f"{sp.name} — {sp.unit.name} ({sp.unit.code})"
        self.fields["procedure"].queryset = Procedure.objects.filter(active=True)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ApiTokenForm(_ManagerForm):
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The token may issue receipts for this unit and the units below it."),
    )
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("Which software uses it, e.g. “One-stop software, Ba Dinh ward”.")
    )
