from django.contrib import admin

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
