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
        # audit_actions: what feedback records (agencies.audit_registry). signals: the
        # after-rollup hook. tasks: registered by name in every process, since feedback.queueing
        # asks for them by name (and runs them in the embedded mode).
        from . import audit_actions, signals, tasks  # noqa: F401
