"""Replies, comment topics, actions taken, improvement plans, alerts and monthly PDFs (namespace `feedback`)."""

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
    # managers
    path("manage/replies/<str:ref>/", views.reply_edit, name="reply_edit"),
    path("manage/actions/<str:code>/", views.actions_manage, name="actions_manage"),
    path("manage/plans/", views.plans_overview, name="plans"),
    path("manage/plans/<str:code>/<str:month>/", views.plan_file, name="plan_file"),
]
