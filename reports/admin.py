from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.admin import ResponseAdmin as SurveysResponseAdmin
from surveys.models import Response

from . import moderation
from .models import ModerationEvent, OpenDataPublication, ReviewFlag, RollupRun, Score


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = [
        "unit",
        "scope",
        "dimension",
        "procedure",
        "period_type",
        "period_start",
        "responses",
        "index_sipas",
        "index_766",
        "enough_responses",
    ]
    list_filter = ["scope", "period_type", "dimension", "enough_responses"]
    search_fields = ["unit__code", "unit__name_vi"]
    list_select_related = ["unit", "dimension", "procedure"]
    date_hierarchy = "period_start"
    show_full_result_count = False


@admin.register(RollupRun)
class RollupRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "mode",
        "status",
        "responses_seen",
        "keys_recomputed",
        "scores_written",
        "finished_at",
    ]
    list_filter = ["mode", "status"]
    readonly_fields = [f.name for f in RollupRun._meta.fields]


# --------------------------------------------------------------------------- dashboards: open data, moderation audit


@admin.register(OpenDataPublication)
class OpenDataPublicationAdmin(admin.ModelAdmin):
    list_display = ["unit", "period_type", "period_start", "status", "published_at", "published_by"]
    list_filter = ["status", "period_type"]
    list_select_related = ["unit", "published_by"]
    readonly_fields = ["rows", "created_at", "created_by", "published_at", "published_by"]


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """The audit trail is read-only, even here: moderation happens in /manage/moderation/."""

    list_display = ["at", "action", "response", "actor", "reason"]
    list_filter = ["action"]
    list_select_related = ["response__unit", "actor"]
    readonly_fields = ["response", "action", "reason", "actor", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    """Flags for review, read-only here: decisions (exclude the batch, dismiss) are made in /manage/moderation/,
    where they go through the moderation service and the audit log."""

    list_display = ["last_at", "kind", "unit", "count", "status", "resolved_by"]
    list_filter = ["kind", "status"]
    search_fields = ["unit__code", "unit__name_vi"]
    list_select_related = ["unit", "resolved_by"]
    fields = ["kind", "unit", "kiosk", "count", "first_at", "last_at", "status", "resolved_at", "resolved_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------- responses: through the one door


class ResponseAdminForm(forms.ModelForm):
    moderation_reason = forms.CharField(
        label=_("Reason for this change"),
        max_length=200,
        required=False,
        help_text=_("Required when you exclude the response or count it again; kept in the moderation history."),
    )

    class Meta:
        model = Response
        fields = ["excluded", "language", "comment"]

    def clean(self):
        data = super().clean()
        if "excluded" in self.changed_data and not (data.get("moderation_reason") or "").strip():
            self.add_error(
                "moderation_reason",
                _("Say why this response is excluded.")
                if data.get("excluded")
                else _("Say why this response is counted again."),
            )
        return data


admin.site.unregister(Response)


@admin.register(Response)
class ResponseAdmin(SurveysResponseAdmin):
    """Responses in the admin go through the moderation services (reports.moderation), like everywhere.

    Ticking or unticking "excluded" calls response_exclude / response_include with the reason given;
    deleting calls response_delete (administrators of the unit). Either way the change is audited and
    the incremental rollup recomputes the response's keys. Unit, procedure and service point are
    read-only here: moving a response is `moderation.response_reassign` (the `moderate` command)."""

    form = ResponseAdminForm
    fields = [
        "excluded",
        "moderation_reason",
        "excluded_reason",
        "excluded_at",
        "excluded_by",
        "version",
        "unit",
        "service_point",
        "procedure",
        "receipt",
        "kiosk",
        "channel",
        "language",
        "submitted_at",
        "comment",
        "idempotency_key",
        "client_hash",
        "changed_at",
    ]
    readonly_fields = [
        *SurveysResponseAdmin.readonly_fields,
        "service_point",
        "procedure",
        "excluded_reason",
        "excluded_at",
        "excluded_by",
    ]
    raw_id_fields = []

    def has_add_permission(self, request):
        return False  # responses come from citizens only

    def save_model(self, request, obj, form, change):
        changed = set(form.changed_data)
        reason = form.cleaned_data.get("moderation_reason", "")
        if "excluded" in changed:
            service = moderation.response_exclude if obj.excluded else moderation.response_include
            service(response_id=obj.pk, user=request.user, reason=reason)
        plain = changed & {"language", "comment"}
        if plain:
            Response.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in plain})
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        moderation.response_delete(response_id=obj.pk, user=request.user, reason=gettext("deleted in the admin"))

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            moderation.response_delete(response_id=pk, user=request.user, reason=gettext("deleted in the admin"))
