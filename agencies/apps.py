from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Units and people")

    def ready(self):
        from . import audit, roles  # noqa: F401 — audit registers the agencies app's own actions

        roles.connect()
