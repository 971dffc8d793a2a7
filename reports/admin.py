from django.contrib import admin

from .models import RollupRun, Score


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["unit", "scope", "dimension", "procedure", "period_type", "period_start", "responses",
                    "index_sipas", "index_766", "enough_responses"]
    list_filter = ["scope", "period_type", "dimension", "enough_responses"]
    search_fields = ["unit__code", "unit__name_vi"]
    list_select_related = ["unit", "dimension", "procedure"]
    date_hierarchy = "period_start"
    show_full_result_count = False


@admin.register(RollupRun)
class RollupRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "mode", "status", "responses_seen", "keys_recomputed", "scores_written",
                    "finished_at"]
    list_filter = ["mode", "status"]
    readonly_fields = [f.name for f in RollupRun._meta.fields]
