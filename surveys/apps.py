from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys and answers")

    def ready(self):
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from . import audit_actions, selectors  # noqa: F401 — audit_actions registers what surveys records
        from .models import SurveyVersion

        def _versions_changed(**kwargs):
            # Now, and again after commit, so that no request re-caches the state from before it.
            selectors.versions_changed()
            transaction.on_commit(selectors.versions_changed)

        post_save.connect(_versions_changed, sender=SurveyVersion, dispatch_uid="surveys-versions-changed")
        post_delete.connect(_versions_changed, sender=SurveyVersion, dispatch_uid="surveys-versions-changed-del")
