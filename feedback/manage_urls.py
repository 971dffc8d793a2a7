"""The feedback app's pages under /manage/ (namespace `manage`, see satisfaction.manage_urls):
replies to comments, actions taken and improvement plans."""

from django.urls import path

from . import manage_views

urlpatterns = [
    path("replies/<str:ref>/", manage_views.reply_edit, name="reply_edit"),
    path("actions/<str:code>/", manage_views.actions_manage, name="actions"),
    path("plans/", manage_views.plans_overview, name="plans"),
    path("plans/<str:code>/<str:month>/", manage_views.plan_file, name="plan_file"),
]
