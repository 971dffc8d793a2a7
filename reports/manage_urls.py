"""The /manage/ pages of the reports app: moderation and open-data management.

A plain list, no app_name: satisfaction.manage_urls gathers every app's list under /manage/ in
the one namespace `manage` (names unique across it)."""

from django.urls import path

from .views import manage_open_data, moderation

urlpatterns = [
    path("moderation/", moderation.moderation_list, name="moderation"),
    path("moderation/<str:ref>/", moderation.moderation_detail, name="moderation_detail"),
    path("moderation/flags/<int:pk>/", moderation.moderation_flag, name="moderation_flag"),
    path("open-data/", manage_open_data.open_data_manage, name="open_data"),
    path("open-data/<str:code>/<str:period>/action/", manage_open_data.open_data_action, name="open_data_action"),
]
