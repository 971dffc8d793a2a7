"""The audit actions the surveys app records (agencies.audit_registry): surveys, tokens, kiosks, receipts.

Registered when this module is imported (and the app is ready); the strings are stored in the
audit log, so they never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.audit import register_actions


class AuditAction(models.TextChoices):
    SURVEY_PUBLISH = "survey_publish", _("survey published")
    SURVEY_CLOSE = "survey_close", _("survey closed")
    SURVEY_NEW_VERSION = "survey_new_version", _("new survey version drafted")
    TOKEN_CREATE = "token_create", _("API token created")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
    KIOSK_CREATE = "kiosk_create", _("kiosk registered")
    KIOSK_REVOKE = "kiosk_revoke", _("kiosk revoked")
    RECEIPTS_ISSUE = "receipts_issue", _("receipts issued for printing")


register_actions(AuditAction)
