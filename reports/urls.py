"""Dashboards, comparison, exports, open data and moderation (namespace `reports`)."""

from django.urls import path

from . import export_views, views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("units/<str:code>/", views.unit_dashboard, name="unit"),
    path("units/<str:code>/export/<str:fmt>/", views.unit_export, name="unit_export"),
    path("units/<str:code>/recompute/", views.unit_recompute, name="unit_recompute"),
    path("compare/", views.compare, name="compare"),
    path("compare/export/<str:fmt>/", views.compare_export, name="compare_export"),
    path("exports/<uuid:job_id>/", export_views.export_status, name="export_status"),
    path("exports/<uuid:job_id>/download/", export_views.export_download, name="export_download"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/manage/", views.open_data_manage, name="open_data_manage"),
    path("open-data/<str:code>/<str:period>/", views.open_data_detail, name="open_data_detail"),
    path("open-data/<str:code>/<str:period>/csv/", views.open_data_csv, name="open_data_csv"),
    path("open-data/<str:code>/<str:period>/action/", views.open_data_action, name="open_data_action"),
    path("manage/moderation/", views.moderation_list, name="moderation"),
    path("manage/moderation/<str:ref>/", views.moderation_detail, name="moderation_detail"),
    path("manage/moderation/flags/<int:pk>/", views.moderation_flag, name="moderation_flag"),
]
