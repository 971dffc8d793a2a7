"""Admin for operators: the alert outbox (to see and retry failures), actions, plans, reports.

Replies and comment topics are not here: they point at citizens' responses, which only the
moderation pages show, under the permission rule."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Action, AlertDelivery, AlertPreference, ImprovementPlan, MonthlyReport


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ("kind", "unit", "period_key", "user", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("unit__code", "user__username", "period_key")
    readonly_fields = [f.name for f in AlertDelivery._meta.fields]
    actions = ["retry_now"]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request, queryset):
        queryset.exclude(status=AlertDelivery.Status.SENT).update(
            status=AlertDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )


@admin.register(AlertPreference)
class AlertPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "fall", "funnel", "low_comment", "digest", "language")


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("unit", "done_on", "topic", "created_by")
    list_filter = ("topic",)
    search_fields = ("unit__code",)


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(admin.ModelAdmin):
    list_display = ("unit", "trigger_month", "owner", "deadline", "filed_by", "filed_at")
    search_fields = ("unit__code",)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("unit", "month", "status", "generated_at", "error")
    list_filter = ("status",)
    exclude = ("pdf",)
