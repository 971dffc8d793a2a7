"""The agencies' page under /manage/ (namespace `manage`, see satisfaction.manage_urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
]
