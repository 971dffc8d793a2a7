"""The audit actions the feedback app records (agencies.audit_registry): replies, actions taken, plans.

Registered when this module is imported (and the app is ready); the strings are stored in the
audit log, so they never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.audit import register_actions


class AuditAction(models.TextChoices):
    REPLY_PUBLISH = "reply_publish", _("reply to a comment published")
    REPLY_WITHDRAW = "reply_withdraw", _("reply to a comment withdrawn")
    ACTION_PUBLISH = "action_publish", _("action taken published")
    PLAN_FILE = "plan_file", _("improvement plan filed")


register_actions(AuditAction)
