"""Every page under /manage/, in one namespace: `manage` (issue 13).

Each app lists its manage pages in a plain `urlpatterns` (no app_name, paths relative to
/manage/, names unique across the namespace); this module only puts them together. Every view
opens with agencies.permissions.manage_page (or the service it calls checks the role), and its
template lives under templates/manage/. Apps never import this module.
"""

import agencies.manage_urls
import feedback.manage_urls
import reports.manage_urls
import surveys.authoring.urls
import surveys.manage.urls

app_name = "manage"

urlpatterns = [
    *agencies.manage_urls.urlpatterns,
    *surveys.authoring.urls.urlpatterns,
    *surveys.manage.urls.urlpatterns,
    *reports.manage_urls.urlpatterns,
    *feedback.manage_urls.urlpatterns,
]
