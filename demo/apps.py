from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city (`seed_demo`) and the data generators the benchmarks use.

    The top layer: it writes into every app below it (agencies, surveys, reports, feedback) through
    their models and services; none of them imports it.
    """

    name = "demo"
    verbose_name = _("Demo city")
