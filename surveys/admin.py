from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agencies import audit

from .audit_actions import AuditAction
from .models import (
    Answer,
    ApiToken,
    Choice,
    Dimension,
    FrozenVersionError,
    Kiosk,
    Question,
    Receipt,
    Response,
    Survey,
    SurveyVersion,
)


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order"]
    search_fields = ["code", "name_vi", "name_en"]


class SurveyVersionInline(admin.TabularInline):
    model = SurveyVersion
    fields = ["number", "status", "title_vi", "opens_at", "closes_at", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["slug", "owner", "is_standard", "allow_open_link", "created_at"]
    list_filter = ["is_standard", "allow_open_link"]
    search_fields = ["slug", "owner__code", "owner__name_vi"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]
    inlines = [SurveyVersionInline]


def _warn_frozen(request, version: SurveyVersion | None) -> None:
    """Say, in the user's language, why the page is read-only and where to make a new version."""
    if version is None or not version.is_frozen:
        return
    url = reverse("manage:survey", args=[version.survey_id])
    messages.warning(
        request,
        format_html('{} <a href="{}">{}</a>', FrozenVersionError(version).messages[0], url, _("Make a new version")),
    )


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = [("order", "kind", "required", "on_kiosk"), "text_vi", "text_en", "dimension"]


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    list_display = ["survey", "number", "status", "title_vi", "opens_at", "closes_at", "published_at"]
    list_filter = ["status"]
    search_fields = ["title_vi", "title_en", "survey__slug"]
    list_select_related = ["survey__owner"]
    readonly_fields = ["created_at", "created_by", "published_at", "published_by", "closed_at", "closed_by"]
    inlines = [QuestionInline]

    def has_change_permission(self, request, obj=None):
        # A published or closed version is frozen; changes go through a new version.
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        _warn_frozen(request, self.get_object(request, object_id))
        return super().change_view(request, object_id, form_url, extra_context)


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0

    def _frozen(self, obj) -> bool:
        return obj is not None and obj.version.is_frozen

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text_vi", "kind", "dimension", "required", "version"]
    list_filter = ["kind", "dimension", "required"]
    search_fields = ["text_vi", "text_en"]
    list_select_related = ["dimension", "version__survey"]
    inlines = [ChoiceInline]

    # A question of a published or closed version is frozen (the database refuses it too): the
    # page is read-only and says to make a new version.
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.version.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.version.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        question = self.get_object(request, object_id)
        _warn_frozen(request, question.version if question else None)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_queryset(self, request, queryset):
        # The bulk action skips has_delete_permission(obj): frozen questions are refused and named.
        for question in queryset.select_related("version__survey"):
            try:
                question.delete()
            except FrozenVersionError as exc:
                messages.error(request, exc.messages[0])


def _audit_admin_save(request, obj, form, change, created: str, revoked: str, unit) -> None:
    """Tokens and kiosks made or revoked in the admin are audited like those of /manage/."""
    if not change:
        audit.record(actor=request.user, action=created, obj=obj, unit=unit)
    elif "revoked_at" in form.changed_data and obj.revoked_at is not None:
        audit.record(actor=request.user, action=revoked, obj=obj, unit=unit)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "unit", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "unit__code"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["unit", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        # A new token gets its key here; only the hash is stored, so the key is shown once.
        from django.contrib import messages

        from .codes import TOKEN_PREFIX, api_token_hash

        if not change:
            import secrets

            key = TOKEN_PREFIX + secrets.token_urlsafe(32)
            obj.key_hash, obj.prefix, obj.created_by = api_token_hash(key), key[: len(TOKEN_PREFIX) + 5], request.user
            from django.utils.translation import gettext

            messages.warning(
                request, gettext("Token created. Copy it now, it is shown only once: %(key)s") % {"key": key}
            )
        super().save_model(request, obj, form, change)
        _audit_admin_save(request, obj, form, change, AuditAction.TOKEN_CREATE, AuditAction.TOKEN_REVOKE, obj.unit)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from .manage.services import api_token_revoke

        # One by one through the service, so that each revocation is audited.
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, user=request.user)


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    list_display = ["label", "service_point", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["label", "service_point__unit__code"]
    list_select_related = ["service_point__unit"]
    raw_id_fields = ["service_point", "procedure"]
    fields = ["service_point", "label", "procedure", "revoked_at"]

    def save_model(self, request, obj, form, change):
        # The token opens kiosk mode; the manager sees it as a QR code on /manage/kiosks/<id>/.
        if not obj.token:
            import secrets

            obj.token, obj.created_by = secrets.token_urlsafe(32), request.user
        super().save_model(request, obj, form, change)
        _audit_admin_save(
            request, obj, form, change, AuditAction.KIOSK_CREATE, AuditAction.KIOSK_REVOKE, obj.service_point.unit
        )


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["display_code", "unit", "procedure", "issued_at", "expires_at", "used_at"]
    list_filter = ["issued_at", "used_at"]
    search_fields = ["code", "unit__code"]
    list_select_related = ["unit", "procedure"]
    readonly_fields = ["code", "dossier_hash", "issued_at", "used_at"]
    date_hierarchy = "issued_at"


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "kind", "value", "choice", "text"]
    readonly_fields = fields
    can_delete = False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "unit", "channel", "language", "submitted_at", "excluded"]
    list_filter = ["channel", "excluded", "language", "submitted_at"]
    search_fields = ["unit__code", "comment"]
    list_select_related = ["unit"]
    readonly_fields = [
        "version",
        "unit",
        "receipt",
        "kiosk",
        "channel",
        "submitted_at",
        "idempotency_key",
        "client_hash",
        "changed_at",
    ]
    raw_id_fields = ["service_point", "procedure"]
    date_hierarchy = "submitted_at"
    inlines = [AnswerInline]
    show_full_result_count = False
