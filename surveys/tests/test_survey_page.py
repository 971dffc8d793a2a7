"""The survey page of a receipt: rendering, validation that keeps answers, thank-you, bad input."""

from __future__ import annotations

import uuid

import pytest

from surveys.models import Answer, Response
from surveys.tests.conftest import rating_post

pytestmark = pytest.mark.django_db


def url(receipt) -> str:
    return f"/r/{receipt.display_code}/"


def test_survey_page_shows_scale_words_in_vietnamese(client, receipt, standard):
    response = client.get(url(receipt))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    for word in ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng", "Không áp dụng"):
        assert word in html
    assert html.count("<fieldset") == standard.questions.count()
    assert html.count("<legend") == standard.questions.count()
    assert standard.questions.first().text_vi in html
    assert "Phường Ba Đình" in html
    assert 'name="idempotency_key"' in html
    assert "csrfmiddlewaretoken" in html


def test_survey_page_switches_to_english(client, receipt, standard):
    client.post("/i18n/setlang/", {"language": "en", "next": url(receipt)})
    html = client.get(url(receipt)).content.decode()
    # Long words break only at syllables ("Dis-satis-fied") in a fifth of a phone screen.
    assert "Very dis\u00adsatis\u00adfied" in html and "Not applicable" in html
    assert ">Satis\u00adfied<" in html and "Very satis\u00adfied" in html
    assert standard.questions.first().text_en in html


def test_code_in_any_case_or_without_dashes_redirects_to_canonical_address(client, receipt, standard):
    response = client.get(f"/r/{receipt.code.lower()}/")
    assert response.status_code == 302
    assert response["Location"] == url(receipt)


def test_complete_answers_are_stored_and_lead_to_thank_you(client, receipt, standard):
    data = rating_post(standard, value="5", comment="Rất tốt, gọi tôi 0912 345 678")
    first_q = standard.questions.order_by("order").first()
    data[f"q{first_q.pk}"] = "na"
    response = client.post(url(receipt), data)
    assert response.status_code == 302
    assert response["Location"] == f"/r/{receipt.display_code}/thanks/"
    stored = Response.objects.get(receipt=receipt)
    assert stored.channel == "receipt"
    assert stored.unit == receipt.unit
    assert stored.version == standard
    assert "0912" not in stored.comment and "[***]" in stored.comment
    assert stored.client_hash and "127.0.0.1" not in stored.client_hash
    assert Answer.objects.filter(response=stored).count() == standard.questions.count()
    assert Answer.objects.get(response=stored, question=first_q).value is None
    receipt.refresh_from_db()
    assert receipt.used_at is not None
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Cảm ơn" in thanks.content.decode()


def test_missing_required_answer_shows_error_next_to_it_and_keeps_the_others(client, receipt, standard):
    questions = list(standard.questions.order_by("order"))
    data = rating_post(standard, value="2", comment="giữ lại góp ý này")
    del data[f"q{questions[3].pk}"]
    response = client.post(url(receipt), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vui lòng chọn một câu trả lời" in html
    assert f'id="id_q{questions[3].pk}_error"' in html
    # Every other answer is still checked, and the comment is kept.
    assert html.count("checked") == len(questions) - 1
    assert "giữ lại góp ý này" in html
    assert not Response.objects.exists()


def test_error_messages_follow_the_english_switch(client, receipt, standard):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    data = rating_post(standard)
    data.pop(next(k for k in data if k.startswith("q")))
    html = client.post(url(receipt), data).content.decode()
    assert "Please choose an answer to this question." in html


@pytest.mark.parametrize("bad", ["6", "0", "-1", "abc", "4.5"])
def test_answers_outside_the_scale_are_refused(client, receipt, standard, bad):
    data = rating_post(standard)
    data[f"q{standard.questions.first().pk}"] = bad
    response = client.post(url(receipt), data)
    assert response.status_code == 400
    assert "Vui lòng chọn một trong các câu trả lời" in response.content.decode()
    assert not Response.objects.exists()


def test_unknown_question_ids_are_refused(client, receipt, standard):
    data = rating_post(standard, q999999="5")
    response = client.post(url(receipt), data)
    assert response.status_code == 400
    assert "không có trong phiếu" in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [("idempotency_key", "not-a-uuid"), ("idempotency_key", ""), ("version", "abc"), ("version", "999999")],
)
def test_tampered_hidden_fields_are_refused(client, receipt, standard, field, value):
    data = rating_post(standard)
    data[field] = value
    response = client.post(url(receipt), data)
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_oversized_comment_is_refused_with_its_length(client, receipt, standard):
    response = client.post(url(receipt), rating_post(standard, comment="x" * 2001))
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    assert not Response.objects.exists()


def test_missing_csrf_token_is_refused(receipt, standard):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(receipt), rating_post(standard))
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_comment_is_escaped_when_shown_again(client, receipt, standard):
    data = rating_post(standard, comment="<script>alert(1)</script>")
    data.pop(next(k for k in data if k.startswith("q")))
    html = client.post(url(receipt), data).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_survey_page_takes_few_queries(client, receipt, standard, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(url(receipt)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.post(url(receipt), rating_post(standard)).status_code == 302


def test_new_idempotency_key_on_each_page_view(client, receipt, standard):
    import re

    keys = {
        re.search(r'name="idempotency_key" value="([^"]+)"', client.get(url(receipt)).content.decode()).group(1)
        for _ in range(2)
    }
    assert len(keys) == 2
    assert all(uuid.UUID(k) for k in keys)


def test_a_damaged_key_is_replaced_so_sending_again_works(client, receipt, standard):
    import re

    response = client.post(url(receipt), rating_post(standard, idempotency_key="garbage"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Phiếu không đầy đủ" in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    assert uuid.UUID(key)
    assert client.post(url(receipt), rating_post(standard, key=key)).status_code == 302


def test_a_form_of_an_older_version_gets_the_current_one_with_a_notice(client, receipt, standard):
    from surveys.models import Survey, SurveyVersion
    from surveys.standard import add_standard_questions

    old = rating_post(standard)
    own = SurveyVersion.objects.create(
        survey=Survey.objects.create(owner=receipt.unit, slug="own"), title_vi="Phiếu riêng", status="published"
    )
    add_standard_questions(own)
    response = client.post(url(receipt), old)
    assert response.status_code == 400
    html = response.content.decode()
    assert "đã được cập nhật" in html and "Phiếu riêng" in html
    assert f'name="version" value="{own.pk}"' in html
    assert not Response.objects.exists()
