"""Dashboards, comparison, exports and public open data (namespace `reports`).

The /manage/ pages of this app (moderation, open-data management) are in reports.manage_urls,
under the project's one `manage` namespace."""

from django.urls import path
from django.views.generic import RedirectView

from .views import compare, dashboard, exports, open_data

app_name = "reports"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("units/<str:code>/", dashboard.unit_dashboard, name="unit"),
    path("units/<str:code>/export/<str:fmt>/", dashboard.unit_export, name="unit_export"),
    path("units/<str:code>/recompute/", dashboard.unit_recompute, name="unit_recompute"),
    path("compare/", compare.compare, name="compare"),
    path("compare/export/<str:fmt>/", compare.compare_export, name="compare_export"),
    path("exports/<uuid:job_id>/", exports.export_status, name="export_status"),
    path("exports/<uuid:job_id>/download/", exports.export_download, name="export_download"),
    path("open-data/", open_data.open_data, name="open_data"),
    # Open-data management moved under /manage/ (issue 13); old bookmarks follow it.
    path(
        "open-data/manage/",
        RedirectView.as_view(pattern_name="manage:open_data", permanent=True, query_string=True),
        name="open_data_manage_moved",
    ),
    path("open-data/<str:code>/<str:period>/", open_data.open_data_detail, name="open_data_detail"),
    path("open-data/<str:code>/<str:period>/csv/", open_data.open_data_csv, name="open_data_csv"),
]
