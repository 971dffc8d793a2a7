"""Manager pages under /manage/ (namespace "authoring"). Receipts, kiosks, tokens and moderation
live under /manage/ too, in their own URL modules."""

from django.urls import path

from . import authoring_views as views

app_name = "authoring"

_v = "surveys/<int:survey_id>/v<int:number>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:survey_id>/", views.survey_detail, name="survey"),
    path("surveys/<int:survey_id>/new-version/", views.version_new, name="version_new"),
    path("surveys/<int:survey_id>/settings/", views.survey_settings, name="survey_settings"),
    path(_v, views.version_detail, name="version"),
    path(_v + "edit/", views.version_edit, name="version_edit"),
    path(_v + "questions/add/", views.question_add, name="question_add"),
    path(_v + "questions/<int:question_id>/edit/", views.question_edit, name="question_edit"),
    path(_v + "questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
    path(_v + "questions/<int:question_id>/move/", views.question_move, name="question_move"),
    path(_v + "questions/reorder/", views.question_reorder, name="question_reorder"),
    path(_v + "preview/", views.version_preview, name="preview"),
    path(_v + "preview/frame/", views.version_preview_frame, name="preview_frame"),
    path(_v + "publish/", views.version_publish, name="publish"),
    path(_v + "close/", views.version_close, name="close"),
    path(_v + "schedule/", views.version_schedule, name="schedule"),
    path(_v + "discard/", views.draft_discard, name="discard"),
]
