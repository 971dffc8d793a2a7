"""Survey authoring under /manage/ (namespace `manage`, see satisfaction.manage_urls): the
manager's home, surveys, versions and their questions."""

from django.urls import path

from .views import questions, surveys, versions

_v = "surveys/<int:survey_id>/v<int:number>/"

urlpatterns = [
    path("", surveys.index, name="index"),
    path("surveys/", surveys.survey_list, name="survey_list"),
    path("surveys/new/", surveys.survey_create, name="survey_create"),
    path("surveys/<int:survey_id>/", surveys.survey_detail, name="survey"),
    path("surveys/<int:survey_id>/new-version/", surveys.version_new, name="version_new"),
    path("surveys/<int:survey_id>/settings/", surveys.survey_settings, name="survey_settings"),
    path(_v, versions.version_detail, name="version"),
    path(_v + "edit/", versions.version_edit, name="version_edit"),
    path(_v + "questions/add/", questions.question_add, name="question_add"),
    path(_v + "questions/<int:question_id>/edit/", questions.question_edit, name="question_edit"),
    path(_v + "questions/<int:question_id>/delete/", questions.question_delete, name="question_delete"),
    path(_v + "questions/<int:question_id>/move/", questions.question_move, name="question_move"),
    path(_v + "questions/reorder/", questions.question_reorder, name="question_reorder"),
    path(_v + "preview/", versions.version_preview, name="version_preview"),
    path(_v + "preview/frame/", versions.version_preview_frame, name="version_preview_frame"),
    path(_v + "publish/", versions.version_publish, name="version_publish"),
    path(_v + "close/", versions.version_close, name="version_close"),
    path(_v + "schedule/", versions.version_schedule, name="version_schedule"),
    path(_v + "discard/", versions.draft_discard, name="version_discard"),
]
