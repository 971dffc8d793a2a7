"""Authoring rules: frozen versions, optimistic locking, publish validation, versions and audit."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from surveys.authoring import services
from surveys.authoring.services import ChoiceData
from surveys.models import Choice, Dimension, Question, SurveyVersion
from surveys.standard import QUESTIONS, create_standard_survey, ensure_dimensions
from surveys.tests.factories import make_receipt, make_response

pytestmark = [pytest.mark.django_db, pytest.mark.anydb]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here; the pages' tests check the Vietnamese ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def dims():
    return ensure_dimensions()


@pytest.fixture
def blank(city):
    return services.survey_create(owner=city.ward_a, user=city.bob, from_standard=False, title_vi="Khảo sát phường")


def add(version, *, kind="rating", text_vi="Câu hỏi", text_en="Question", dimension=None, choices=None):
    version.refresh_from_db()
    return services.question_add(
        version=version,
        user=None,
        revision=version.revision,
        kind=kind,
        text_vi=text_vi,
        text_en=text_en,
        dimension=dimension,
        choices=choices,
    )


def test_create_from_standard_copies_the_sixteen_questions_into_a_draft(city):
    version = services.survey_create(owner=city.ward_a, user=city.bob, from_standard=True)
    assert version.status == SurveyVersion.Status.DRAFT
    assert version.number == 1
    assert version.created_by == city.bob
    assert version.questions.count() == len(QUESTIONS)
    assert not version.questions.filter(kind="rating", dimension__isnull=True).exists()
    assert version.title_en  # the standard texts come with the template


def test_create_from_standard_copies_the_city_standard_as_currently_published(city, dims):
    standard = create_standard_survey(city=city.root)
    v2 = services.version_new(survey=standard.survey, user=city.dana)
    services.question_add(
        version=v2, user=None, revision=v2.revision, kind="yesno", text_vi="Ông/bà có phải chờ lâu không?"
    )
    v2.refresh_from_db()
    services.version_publish(version=v2, user=city.dana, revision=v2.revision)
    copy = services.survey_create(owner=city.ward_a, user=city.bob, from_standard=True)
    assert copy.questions.count() == len(QUESTIONS) + 1
    assert copy.questions.filter(text_vi="Ông/bà có phải chờ lâu không?").exists()
    assert copy.title_vi == standard.title_vi


def test_create_blank_needs_a_vietnamese_title(city):
    with pytest.raises(services.AuthoringError):
        services.survey_create(owner=city.ward_a, user=city.bob, from_standard=False, title_vi="  ")


def test_slugs_stay_unique_for_the_same_title(city):
    a = services.survey_create(owner=city.ward_a, user=None, from_standard=False, title_vi="Đánh giá")
    b = services.survey_create(owner=city.ward_a, user=None, from_standard=False, title_vi="Đánh giá")
    assert a.survey.slug != b.survey.slug
    assert a.survey.slug.startswith("00004-danh-gia")


def test_each_change_bumps_the_revision_and_a_stale_one_is_refused(blank, dims):
    q = add(blank, dimension=dims["access"])
    blank.refresh_from_db()
    seen = blank.revision
    add(blank, text_vi="Câu hai", dimension=dims["results"])  # someone else changes the draft
    with pytest.raises(services.StaleRevision) as caught:
        services.question_update(
            question=q, user=None, revision=seen, kind="rating", text_vi="Đổi", dimension=dims["access"]
        )
    assert caught.value.version.revision == seen + 1
    q.refresh_from_db()
    assert q.text_vi == "Câu hỏi"  # nothing of the stale edit was written


def test_two_editors_adding_questions_lose_nothing_silently(blank, dims):
    blank.refresh_from_db()
    opened = blank.revision
    services.question_add(version=blank, user=None, revision=opened, kind="text", text_vi="Của Bình")
    with pytest.raises(services.StaleRevision):
        services.question_add(version=blank, user=None, revision=opened, kind="text", text_vi="Của Dana")
    assert list(blank.questions.values_list("text_vi", flat=True)) == ["Của Bình"]


def test_move_and_delete_keep_orders_contiguous(blank, dims):
    a, _b, c = (add(blank, text_vi=t, dimension=dims["access"]) for t in "ABC")
    blank.refresh_from_db()
    services.question_move(question=c, user=None, revision=blank.revision, direction="up")
    blank.refresh_from_db()
    assert list(blank.questions.order_by("order").values_list("text_vi", flat=True)) == ["A", "C", "B"]
    services.question_move(question=a, user=None, revision=blank.revision, direction="up")  # already first
    blank.refresh_from_db()
    services.question_delete(question=c, user=None, revision=blank.revision)
    assert list(blank.questions.order_by("order").values_list("text_vi", "order")) == [("A", 1), ("B", 2)]


def test_reorder_refuses_a_list_that_does_not_match_the_draft(blank, dims):
    a, b = add(blank, text_vi="A"), add(blank, text_vi="B")
    blank.refresh_from_db()
    with pytest.raises(services.StaleRevision):
        services.question_reorder(version=blank, user=None, revision=blank.revision, order=[b.pk])
    services.question_reorder(version=blank, user=None, revision=blank.revision, order=[b.pk, a.pk])
    assert list(blank.questions.order_by("order").values_list("text_vi", flat=True)) == ["B", "A"]


def test_publish_lists_every_problem_at_once(city, blank):
    blank.title_vi = ""
    blank.closes_at = timezone.now() - timedelta(days=1)
    blank.save()
    with pytest.raises(services.PublishInvalid) as caught:
        services.version_publish(version=blank, user=city.bob, revision=blank.revision)
    problems = caught.value.problems
    assert len(problems) == 3  # no title, window already over, no question
    blank.refresh_from_db()
    assert blank.status == SurveyVersion.Status.DRAFT
    assert blank.revision == 0  # a refused publish changes nothing


def test_publish_names_each_bad_question(city, blank, dims):
    add(blank, kind="rating", text_vi="Không có tiêu chí")
    add(blank, kind="single", text_vi="Một lựa chọn", choices=[ChoiceData("Chỉ một")])
    add(blank, kind="text", text_vi="Ý kiến", text_en="")
    check = services.publish_check(blank)
    assert any("1" in p and "dimension" in p for p in check.problems)
    assert any("2" in p and "two choices" in p for p in check.problems)
    assert any("3" in p for p in check.warnings)  # missing English is flagged, not blocking
    assert len(check.problems) == 2


def test_publish_freezes_the_version_and_records_who_and_when(city, blank, dims):
    q = add(blank, dimension=dims["access"])
    blank.refresh_from_db()
    published = services.version_publish(version=blank, user=city.bob, revision=blank.revision)
    assert published.status == SurveyVersion.Status.PUBLISHED
    assert published.published_by == city.bob and published.published_at is not None
    with pytest.raises(services.VersionFrozen):
        services.question_update(
            question=q, user=None, revision=published.revision, kind="rating", text_vi="Đổi", dimension=dims["access"]
        )
    with pytest.raises(services.VersionFrozen):
        services.question_add(version=published, user=None, revision=published.revision, kind="text", text_vi="Mới")
    with pytest.raises(services.VersionFrozen):
        services.version_update(
            version=published,
            user=None,
            revision=published.revision,
            title_vi="X",
            title_en="",
            intro_vi="",
            intro_en="",
            opens_at=None,
            closes_at=None,
        )


def test_new_version_copies_questions_and_choices_and_publishing_it_closes_the_old(city, blank, dims):
    add(blank, dimension=dims["access"])
    add(blank, kind="multiple", text_vi="Kênh", choices=[ChoiceData("Một", "One"), ChoiceData("Hai", "Two")])
    blank.refresh_from_db()
    v1 = services.version_publish(version=blank, user=city.bob, revision=blank.revision)
    v2 = services.version_new(survey=v1.survey, user=city.dana)
    assert (v2.number, v2.status, v2.created_by) == (2, SurveyVersion.Status.DRAFT, city.dana)
    assert v2.questions.count() == 2
    assert Choice.objects.filter(question__version=v2).count() == 2
    assert Question.objects.filter(version=v1).count() == 2  # the original is untouched
    with pytest.raises(services.DraftExists):
        services.version_new(survey=v1.survey, user=city.bob)
    v2 = services.version_publish(version=v2, user=city.dana, revision=v2.revision)
    v1.refresh_from_db()
    assert v1.status == SurveyVersion.Status.CLOSED
    assert v1.closed_by == city.dana and v1.closed_at is not None


def test_at_most_one_published_version_is_a_database_rule(city, blank, dims):
    add(blank, dimension=dims["access"])
    blank.refresh_from_db()
    v1 = services.version_publish(version=blank, user=city.bob, revision=blank.revision)
    v2 = services.version_new(survey=v1.survey, user=city.bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyVersion.objects.filter(pk=v2.pk).update(status="published")


def test_close_stops_new_answers_and_keeps_old_ones(city, blank, dims):
    add(blank, dimension=dims["access"])
    blank.refresh_from_db()
    v1 = services.version_publish(version=blank, user=city.bob, revision=blank.revision)
    response = make_response(v1, city.ward_a, [5], receipt=make_receipt(city.ward_a))
    closed = services.version_close(version=v1, user=city.bob)
    assert closed.status == SurveyVersion.Status.CLOSED and closed.closed_by == city.bob
    assert not closed.is_open_at()
    assert response.version_id == closed.pk
    with pytest.raises(services.AuthoringError):
        services.version_close(version=closed, user=city.bob)


def test_overlapping_published_surveys_of_one_unit_are_refused(city, dims):
    first = services.survey_create(owner=city.ward_a, user=None, from_standard=True)
    services.version_publish(version=first, user=None, revision=first.revision)
    second = services.survey_create(owner=city.ward_a, user=None, from_standard=True)
    with pytest.raises(services.PublishInvalid) as caught:
        services.version_publish(version=second, user=None, revision=second.revision)
    assert "overlapping" in caught.value.problems[0]
    # A survey of a sub-unit is not a conflict: the nearest one applies there.
    child = services.survey_create(owner=city.centre_a, user=None, from_standard=True)
    services.version_publish(version=child, user=None, revision=child.revision)


def test_schedule_of_a_published_version_can_move_but_must_be_ordered(city, blank, dims):
    add(blank, dimension=dims["access"])
    blank.refresh_from_db()
    v1 = services.version_publish(version=blank, user=None, revision=blank.revision)
    now = timezone.now()
    with pytest.raises(services.AuthoringError):
        services.version_schedule(version=v1, user=None, opens_at=now, closes_at=now - timedelta(hours=1))
    v1 = services.version_schedule(version=v1, user=None, opens_at=None, closes_at=now + timedelta(days=7))
    assert v1.closes_at is not None and v1.is_open_at(now)
    assert not v1.is_open_at(now + timedelta(days=8))


def test_discarding_the_only_draft_removes_the_survey(city, blank):
    survey_id = blank.survey_id
    assert services.draft_discard(version=blank, user=None, revision=blank.revision) is None
    assert not SurveyVersion.objects.filter(survey_id=survey_id).exists()


def test_dimension_is_dropped_for_kinds_that_are_not_rated(blank, dims):
    q = add(blank, kind="yesno", text_vi="Có?", dimension=dims["access"])
    assert q.dimension is None
    assert Dimension.objects.count() == 5


def test_a_survey_without_kiosk_questions_is_noted_but_not_blocked(city, blank, dims):
    add(blank, dimension=dims["access"])
    check = services.publish_check(blank)
    assert check.ok and len(check.notices) == 1
    Question.objects.filter(version=blank).update(on_kiosk=True)
    assert services.publish_check(blank).notices == []
