from django.contrib import admin

from . import audit
from .models import (
    AuditEvent,
    Membership,
    Procedure,
    ServicePoint,
    Unit,
    UnitSuccession,
)
from .permissions import administered_units, is_administrator


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

    # Role changes made here are audited like those of the add_member command.
    def save_model(self, request, obj, form, change):
        previous = None
        if change and obj.pk:
            previous = Membership.objects.filter(pk=obj.pk).values("role", "unit_id", "user_id").first()
        super().save_model(request, obj, form, change)
        if previous is not None and previous == {"role": obj.role, "unit_id": obj.unit_id, "user_id": obj.user_id}:
            return
        audit.record(
            actor=request.user,
            action=audit.Action.ROLE_GRANT,
            obj=obj,
            object_label=_membership_label(obj),
            details={
                "username": obj.user.get_username(),
                "role": obj.role,
                "previous_role": previous["role"] if previous else None,
            },
        )

    def delete_model(self, request, obj):
        _audit_role_removed(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user", "unit"):
            _audit_role_removed(request, obj)
        super().delete_queryset(request, queryset)


def _membership_label(obj: Membership) -> str:
    return f"{obj.user.get_username()}: {obj.role} @ {obj.unit.code}"


def _audit_role_removed(request, obj: Membership) -> None:
    audit.record(
        actor=request.user,
        action=audit.Action.ROLE_REVOKE,
        obj=obj,
        object_label=_membership_label(obj),
        details={"username": obj.user.get_username(), "previous_role": obj.role},
    )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: nobody (not even a superuser) edits or deletes what happened.

    Administrators (superusers and holders of the administrator role) read it; an administrator of a
    part of the city sees the events of their units, and events tied to no unit only if superuser.
    """

    list_display = ["at", "actor_name", "action", "object_label", "unit"]
    list_filter = ["action", ("at", admin.DateFieldListFilter), ("unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor_name", "object_label", "object_id"]
    list_select_related = ["unit"]
    date_hierarchy = "at"
    fields = ["at", "actor", "actor_name", "action", "object_type", "object_id", "object_label", "unit", "details"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(unit__in=administered_units(request.user))

    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_superuser or is_administrator(request.user))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
