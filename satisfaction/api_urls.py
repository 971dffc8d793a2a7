"""The REST API under /api/v1/: receipts for the one-stop software, scores for BI tools."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("surveys.api_urls")),
    path("", include("reports.api_urls")),
]
