from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Scores and rollups")

    def ready(self) -> None:
        # audit_actions: what reports records (agencies.audit_registry). signals: a stored answer
        # asks for the rollup. tasks: registered by name in every process, since reports.queueing
        # asks for them by name (and runs them in the embedded mode).
        from . import audit_actions, signals, tasks  # noqa: F401
