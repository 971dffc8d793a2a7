"""The citizen's reply page, comment topics, "you said, we did", alerts and monthly PDFs (namespace
`feedback`). The managers' pages are in `manage_urls` (namespace `manage`)."""

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    # citizen: the receipt code and the reply key (feedback.reply_keys)
    path("r/<str:code>/reply/", views.reply_for_code, name="reply_for_code"),
    # public: "You said, we did"
    path("you-said-we-did/<str:code>/", views.actions_public, name="actions_public"),
    # staff
    path("units/<str:code>/comments/", views.unit_comments, name="unit_comments"),
    path("units/<str:code>/report/<str:month>/", views.monthly_report, name="monthly_report"),
    path("account/alerts/", views.alert_settings, name="alert_settings"),
]
