"""The audit actions the reports app records (agencies.audit_registry): moderation, review flags,
exports, recomputation and open-data publications.

Registered when this module is imported (and the app is ready); the strings are stored in the
audit log, so they never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.audit import register_actions


class AuditAction(models.TextChoices):
    RESPONSE_EXCLUDE = "response_exclude", _("response excluded")
    RESPONSE_INCLUDE = "response_include", _("response counted again")
    RESPONSE_DELETE = "response_delete", _("response deleted")
    RESPONSE_REASSIGN = "response_reassign", _("response reassigned")
    FLAG_BATCH_EXCLUDE = "flag_batch_exclude", _("flagged batch excluded")
    FLAG_DISMISS = "flag_dismiss", _("flag dismissed")
    EXPORT = "export", _("data exported")
    ROLLUP_RECOMPUTE = "rollup_recompute", _("scores recomputed")
    PUBLICATION_CREATE = "publication_create", _("open-data draft created")
    PUBLICATION_PUBLISH = "publication_publish", _("open-data ranking published")
    PUBLICATION_WITHDRAW = "publication_withdraw", _("open-data ranking withdrawn")
    PUBLICATION_DELETE = "publication_delete", _("open-data draft deleted")


register_actions(AuditAction)
