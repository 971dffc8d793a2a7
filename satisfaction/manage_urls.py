"""Every page under /manage/, in one namespace `manage` (issue 13: /manage/ has one shape).

Each app lists its manage pages in its own `manage_urls` (a plain `urlpatterns`, no app_name,
paths relative to /manage/); the project gathers them here. Apps never import this module."""

from reports import manage_urls as reports_manage

app_name = "manage"

urlpatterns = [
    *reports_manage.urlpatterns,
]
