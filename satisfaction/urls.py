"""URL map of the portal (DESIGN.md, Public contract)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from agencies import views as agencies_views

from . import views

admin.site.site_header = _("Thước đo administration")
admin.site.site_title = _("Thước đo administration")
admin.site.index_title = _("Units, surveys and scores")

handler500 = "satisfaction.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("manage/audit/", agencies_views.audit_log, name="audit_log"),
    path("manage/", include("satisfaction.manage_urls")),
    path("manage/", include("surveys.authoring_urls")),
    path("", include("feedback.urls")),
    path("", include("surveys.urls")),
    path("", include("reports.urls")),
    path("api/v1/", include("satisfaction.api_urls")),
]
