from django.contrib import admin

from .models import Membership, Procedure, ServicePoint, Unit, UnitSuccession


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0


class SuccessionInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "predecessor"
    extra = 0
    autocomplete_fields = ["successor"]
    verbose_name = "successor"
    verbose_name_plural = "successors (after a reorganisation)"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "kind", "parent", "depth", "active"]
    list_filter = ["kind", "active", "depth"]
    search_fields = ["code", "name_vi", "name_en"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    list_select_related = ["parent"]
    inlines = [ServicePointInline, SuccessionInline]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "kind", "effective_on"]
    list_filter = ["kind", "effective_on"]
    search_fields = ["predecessor__code", "predecessor__name_vi", "successor__code", "successor__name_vi"]
    autocomplete_fields = ["predecessor", "successor"]
    list_select_related = ["predecessor", "successor"]


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "unit", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name_vi", "unit__code", "unit__name_vi"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "field", "active"]
    list_filter = ["field", "active"]
    search_fields = ["code", "name_vi", "name_en", "field"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__code", "unit__name_vi"]
    autocomplete_fields = ["unit", "user"]
    list_select_related = ["user", "unit"]
