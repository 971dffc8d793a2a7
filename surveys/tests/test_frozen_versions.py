"""F2: frozen means frozen, in the database. The questions, choices and dimension assignments of a
published version cannot change by any path — model save(), a raw QuerySet.update(), the admin —
and an answer's kind never disagrees with its question's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import translation

from surveys.models import Answer, Choice, Dimension, FrozenVersionError, Question, SurveyVersion
from surveys.standard import create_standard_survey
from surveys.tests.factories import make_response


@pytest.fixture
def published(city):
    return create_standard_survey(city=city.root)


def _refused(statement) -> None:
    with pytest.raises(IntegrityError, match="frozen survey version|kind of an answer"), transaction.atomic():
        statement()


@pytest.mark.anydb
@pytest.mark.django_db
def test_a_raw_update_of_a_published_question_is_refused_by_the_database(published):
    question = published.questions.filter(kind="rating").first()
    other = Dimension.objects.exclude(pk=question.dimension_id).first()

    _refused(lambda: Question.objects.filter(pk=question.pk).update(dimension=other))
    _refused(lambda: Question.objects.filter(pk=question.pk).update(kind="scale10"))
    _refused(lambda: Question.objects.filter(pk=question.pk).update(text_vi="Câu hỏi khác"))

    question.refresh_from_db()
    assert question.dimension_id != other.pk and question.kind == "rating"


@pytest.mark.anydb
@pytest.mark.django_db
def test_choices_of_a_published_version_and_its_status_are_frozen_too(published):
    question = Question.objects.create(version=published, kind="single", text_vi="Kênh biết đến?", order=99)
    choice = Choice.objects.create(question=question, text_vi="Báo", order=1)  # a new question may join

    _refused(lambda: Choice.objects.filter(pk=choice.pk).update(text_vi="Đài"))
    _refused(lambda: SurveyVersion.objects.filter(pk=published.pk).update(status="draft"))


@pytest.mark.anydb
@pytest.mark.django_db
def test_an_answered_question_of_a_published_version_cannot_be_deleted(published, city):
    make_response(published, city.ward_a, [5, 4])
    answered = Answer.objects.first().question
    # Django refuses it first (Answer.question is PROTECT); the answers' foreign key refuses the raw statement.
    with pytest.raises(ProtectedError):
        Question.objects.filter(pk=answered.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        connection.cursor().execute("DELETE FROM surveys_question WHERE id = %s", [answered.pk])
        connection.check_constraints()  # the deferred check, as at commit
    assert Question.objects.filter(pk=answered.pk).exists()


@pytest.mark.django_db
def test_saving_a_frozen_question_names_the_version_and_offers_a_new_one(published):
    question = published.questions.first()
    question.text_vi = "Sửa lại"
    with translation.override("en"), pytest.raises(FrozenVersionError) as caught:
        question.save()
    message = caught.value.messages[0]
    assert f"Version {published.number}" in message and published.title_en in message
    assert "Make a new version" in message
    with translation.override("vi"), pytest.raises(FrozenVersionError) as caught:
        question.delete()
    assert "phiên bản mới" in caught.value.messages[0]


@pytest.mark.django_db
def test_a_draft_stays_editable(city):
    draft = create_standard_survey(city=city.root, slug="nhap", publish=False)
    question = draft.questions.first()
    question.text_vi = "Sửa được"
    question.save()
    Question.objects.filter(pk=question.pk).update(kind="scale10")
    question.delete()


@pytest.mark.anydb
@pytest.mark.django_db
def test_an_answer_whose_kind_differs_from_its_question_is_refused(published, city):
    response = make_response(published, city.ward_a, [])
    rating = published.questions.filter(kind="rating").first()
    _refused(lambda: Answer.objects.create(response=response, question=rating, kind="yesno", value=1))
    answer = Answer.objects.create(response=response, question=rating, kind="rating", value=4)
    _refused(lambda: Answer.objects.filter(pk=answer.pk).update(kind="scale10"))


@pytest.mark.django_db
def test_the_admin_shows_a_published_question_read_only_and_says_to_make_a_new_version(published, client, city):
    user = get_user_model().objects.create_superuser("root", "root@example.org", city.password)
    client.force_login(user)
    question = published.questions.first()

    page = client.get(f"/admin/surveys/question/{question.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="text_vi"' not in html  # read-only
    assert f"/manage/surveys/{published.survey_id}/" in html
    refused = client.post(f"/admin/surveys/question/{question.pk}/change/", {"text_vi": "x", "kind": "text"})
    assert refused.status_code == 403
    question.refresh_from_db()
    assert question.kind == "rating"
