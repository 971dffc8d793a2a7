from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Closing the loop: replies, comment topics, alerts, digests, actions, plans, monthly PDFs.

    Layering: feedback → reports → surveys → agencies. Nothing below imports this app; it hears
    about finished rollups through Celery's task_success signal (see signals.py).
    """

    name = "feedback"
    verbose_name = _("Closing the loop")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the after-rollup hook
