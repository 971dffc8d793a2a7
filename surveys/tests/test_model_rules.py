"""Response and answer rules enforced by the database."""

import pytest
from django.db import IntegrityError, transaction

from surveys.models import Answer, Response
from surveys.tests.factories import make_receipt, make_response, make_standard_survey

pytestmark = [pytest.mark.django_db, pytest.mark.anydb]


@pytest.fixture
def version(city):
    return make_standard_survey(city.root)


def test_a_receipt_gives_at_most_one_response(city, version):
    receipt = make_receipt(city.ward_a)
    make_response(version, city.ward_a, [5], receipt=receipt)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(version=version, unit=city.ward_a, channel="receipt", receipt=receipt)


def test_a_receipt_response_needs_its_receipt(city, version):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(version=version, unit=city.ward_a, channel="receipt")


@pytest.mark.parametrize("value", [0, 6, -1])
def test_rating_outside_one_to_five_is_refused(city, version, value):
    response = make_response(version, city.ward_a, [])
    question = version.questions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, kind="rating", value=value)


def test_not_applicable_rating_is_stored_as_null(city, version):
    response = make_response(version, city.ward_a, [None, 4])
    assert list(response.answers.order_by("question__order").values_list("value", flat=True)) == [None, 4]


def test_one_answer_per_question(city, version):
    response = make_response(version, city.ward_a, [3])
    question = version.questions.order_by("order").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, kind="rating", value=4)


@pytest.mark.parametrize(("kind", "value"), [("scale10", 11), ("yesno", 2), ("text", 1)])
def test_values_are_checked_against_the_kind(city, version, kind, value):
    response = make_response(version, city.ward_a, [])
    question = version.questions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, kind=kind, value=value)
