"""The authoring pages as a manager uses them: bad input is explained and loses nothing."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys.authoring import services
from surveys.models import Question, Response, Survey, SurveyVersion
from surveys.standard import ensure_dimensions

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(client, city):
    client.force_login(city.bob)
    return client


@pytest.fixture
def draft(city):
    ensure_dimensions()
    return services.survey_create(owner=city.ward_a, user=city.bob, from_standard=False, title_vi="Khảo sát riêng")


def vurl(name, version, **extra):
    return reverse(f"manage:{name}", kwargs={"survey_id": version.survey_id, "number": version.number, **extra})


def question_post(version, **overrides):
    version.refresh_from_db()
    data = {
        "revision": version.revision,
        "kind": "rating",
        "text_vi": "Cán bộ có lịch sự không?",
        "text_en": "Was the officer polite?",
        "dimension": ensure_dimensions()["civil_servants"].pk,
        "required": "on",
    }
    data.update(overrides)
    return data


def test_manager_creates_a_survey_from_the_standard_template(bob, city):
    response = bob.post(reverse("manage:survey_create"), {"owner": city.ward_a.pk, "start": "standard"})
    version = SurveyVersion.objects.get(survey__owner=city.ward_a)
    assert response.status_code == 302 and response["Location"] == vurl("version", version)
    page = bob.get(response["Location"]).content.decode()
    assert "16 câu hỏi" in page
    assert version.created_by == city.bob


def test_blank_survey_without_title_is_explained_in_vietnamese(bob, city):
    response = bob.post(reverse("manage:survey_create"), {"owner": city.ward_a.pk, "start": "blank"})
    assert response.status_code == 400
    assert "tiêu đề tiếng Việt" in response.content.decode()
    assert not Survey.objects.exists()


def test_choice_question_without_choices_is_refused_and_keeps_the_text(bob, draft):
    data = question_post(
        draft, kind="single", dimension="", text_vi="Ông/bà biết đến dịch vụ qua đâu?", choices_vi="Chỉ một"
    )
    response = bob.post(vurl("question_add", draft), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ông/bà biết đến dịch vụ qua đâu?" in html  # what was typed is still there
    assert "ít nhất hai lựa chọn" in html
    assert not draft.questions.exists()


def test_question_with_choices_is_added_in_order(bob, draft):
    bob.post(vurl("question_add", draft), question_post(draft))
    data = question_post(
        draft,
        kind="multiple",
        dimension="",
        text_vi="Kênh nào?",
        text_en="Which channels?",
        choices_vi="Trực tiếp\nTrực tuyến\n",
        choices_en="In person\nOnline",
    )
    assert bob.post(vurl("question_add", draft), data).status_code == 302
    q = draft.questions.get(order=2)
    assert [(c.text_vi, c.text_en) for c in q.choices.all()] == [("Trực tiếp", "In person"), ("Trực tuyến", "Online")]


def test_stale_edit_is_refused_with_the_typed_text_kept(bob, draft):
    bob.post(vurl("question_add", draft), question_post(draft))
    question = draft.questions.get()
    stale = question_post(draft, text_vi="Sửa của Bình")
    services.question_add(version=draft, user=None, revision=stale["revision"], kind="text", text_vi="Của Dana")
    response = bob.post(vurl("question_edit", draft, question_id=question.pk), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Sửa của Bình" in html and "Người khác vừa thay đổi" in html
    question.refresh_from_db()
    assert question.text_vi == "Cán bộ có lịch sự không?"
    assert draft.questions.count() == 2  # the other editor's question is still there
    # Submitting again after reading the warning applies the change on top of the current draft.
    draft.refresh_from_db()
    assert f'value="{draft.revision}"' in html
    again = bob.post(vurl("question_edit", draft, question_id=question.pk), {**stale, "revision": draft.revision})
    assert again.status_code == 302
    question.refresh_from_db()
    assert question.text_vi == "Sửa của Bình"


def test_up_and_down_buttons_reorder_without_javascript(bob, draft):
    for text in ("Một", "Hai"):
        bob.post(vurl("question_add", draft), question_post(draft, text_vi=text))
    second = draft.questions.get(text_vi="Hai")
    draft.refresh_from_db()
    response = bob.post(
        vurl("question_move", draft, question_id=second.pk), {"revision": draft.revision, "direction": "up"}
    )
    assert response.status_code == 302
    assert list(draft.questions.order_by("order").values_list("text_vi", flat=True)) == ["Hai", "Một"]
    # The same button pressed on a stale page moves nothing and says why.
    response = bob.post(
        vurl("question_move", draft, question_id=second.pk),
        {"revision": draft.revision, "direction": "down"},
        follow=True,
    )
    assert "Người khác vừa thay đổi" in response.content.decode()
    assert list(draft.questions.order_by("order").values_list("text_vi", flat=True)) == ["Hai", "Một"]


def test_drag_and_drop_reorder_answers_json(bob, draft):
    for text in ("Một", "Hai", "Ba"):
        bob.post(vurl("question_add", draft), question_post(draft, text_vi=text))
    draft.refresh_from_db()
    ids = list(draft.questions.order_by("-order").values_list("pk", flat=True))
    response = bob.post(
        vurl("question_reorder", draft), {"revision": draft.revision, "order": ids}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["ok"]
    assert list(draft.questions.order_by("order").values_list("text_vi", flat=True)) == ["Ba", "Hai", "Một"]
    stale = bob.post(vurl("question_reorder", draft), {"revision": 0, "order": ids}, HTTP_ACCEPT="application/json")
    assert stale.status_code == 409 and stale.json()["error"]


def test_publishing_an_invalid_draft_lists_every_problem(bob, draft):
    bob.post(vurl("question_add", draft), question_post(draft, dimension=""))
    bob.post(vurl("question_add", draft), question_post(draft, kind="single", dimension="", choices_vi="A\nB"))
    Question.objects.filter(version=draft, kind="single").first().choices.all().delete()
    draft.refresh_from_db()
    response = bob.post(vurl("version_publish", draft), {"revision": draft.revision})
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 vấn đề" in html
    assert "Câu 1" in html and "Câu 2" in html
    draft.refresh_from_db()
    assert draft.status == SurveyVersion.Status.DRAFT


def test_publish_flags_missing_english_and_records_the_audit(bob, city, draft):
    bob.post(vurl("question_add", draft), question_post(draft, text_en=""))
    page = bob.get(vurl("version_publish", draft)).content.decode()
    assert "Câu 1 chưa có bản tiếng Anh" in page
    draft.refresh_from_db()
    response = bob.post(vurl("version_publish", draft), {"revision": draft.revision})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == SurveyVersion.Status.PUBLISHED and draft.published_by == city.bob
    survey_page = bob.get(reverse("manage:survey", args=[draft.survey_id])).content.decode()
    assert (
        "bob" in survey_page
        and draft.published_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in survey_page
    )


def test_editing_a_published_version_is_refused_with_the_offer_of_a_new_version(bob, draft):
    bob.post(vurl("question_add", draft), question_post(draft))
    draft.refresh_from_db()
    bob.post(vurl("version_publish", draft), {"revision": draft.revision})
    question = draft.questions.get()
    response = bob.post(vurl("question_edit", draft, question_id=question.pk), question_post(draft, text_vi="Đổi"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Tạo phiên bản mới" in html
    assert reverse("manage:version_new", args=[draft.survey_id]) in html
    question.refresh_from_db()
    assert question.text_vi != "Đổi"
    response = bob.post(reverse("manage:version_new", args=[draft.survey_id]), {"source": draft.number})
    v2 = SurveyVersion.objects.get(survey=draft.survey, number=2)
    assert response["Location"] == vurl("version", v2)
    assert v2.questions.get().text_vi == question.text_vi


def test_preview_shows_the_citizen_page_and_stores_nothing(bob, draft):
    bob.post(vurl("question_add", draft), question_post(draft, text_en=""))
    bob.post(
        vurl("question_add", draft),
        question_post(draft, kind="text", dimension="", text_vi="Góp ý thêm", text_en="Other comments", required=""),
    )
    bob.post("/i18n/setlang/", {"language": "en", "next": "/"})
    frame = bob.get(vurl("version_preview_frame", draft))
    html = frame.content.decode()
    assert frame.status_code == 200
    assert "Cán bộ có lịch sự không?" in html  # English missing: Vietnamese shown
    assert "Other comments" in html
    assert 'href="/manage/"' not in html  # drawn as a citizen sees it, without the staff menu
    bob.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    q1, q2 = draft.questions.order_by("order")
    form = {"version": draft.pk, "idempotency_key": "0f8fad5b-d9cb-469f-a165-70867728950e"}
    refused = bob.post(vurl("version_preview_frame", draft), {**form, f"q{q2.pk}": "tốt"})
    assert refused.status_code == 400
    done = bob.post(vurl("version_preview_frame", draft), {**form, f"q{q1.pk}": "4"})
    assert done.status_code == 200 and "không có gì được lưu" in done.content.decode()
    assert not Response.objects.exists()
    assert "phone-frame" in bob.get(vurl("version_preview", draft)).content.decode()


def test_bad_window_is_explained_and_the_draft_is_unchanged(bob, draft):
    draft.refresh_from_db()
    response = bob.post(
        vurl("version_edit", draft),
        {
            "revision": draft.revision,
            "title_vi": "Mới",
            "opens_at": "2026-12-01T08:00",
            "closes_at": "2026-11-01T08:00",
        },
    )
    assert response.status_code == 400
    assert "phải sau thời điểm mở" in response.content.decode()
    response = bob.post(
        vurl("version_edit", draft), {"revision": draft.revision, "title_vi": "Mới", "opens_at": "ngày mai"}
    )
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.title_vi == "Khảo sát riêng"


def test_survey_list_shows_status_version_period_and_responses(bob, city, draft):
    bob.post(vurl("question_add", draft), question_post(draft))
    draft.refresh_from_db()
    services.version_update(
        version=draft,
        user=None,
        revision=draft.revision,
        title_vi="Khảo sát riêng",
        title_en="",
        intro_vi="",
        intro_en="",
        opens_at=None,
        closes_at=timezone.now() + timedelta(days=30),
    )
    draft.refresh_from_db()
    services.version_publish(version=draft, user=city.bob, revision=draft.revision)
    from surveys.tests.factories import make_response

    make_response(draft, city.ward_a, [5])
    make_response(draft, city.ward_a, [2])
    cache.clear()  # both pages start from a cold cache of "which survey applies"
    with CaptureQueriesContext(connection) as few:
        bob.get(reverse("manage:survey_list"))
    for i in range(5):
        services.survey_create(owner=city.centre_a, user=None, from_standard=False, title_vi=f"Nháp {i}")
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        html = bob.get(reverse("manage:survey_list")).content.decode()
    assert len(many) == len(few)  # the number of queries does not grow with the number of surveys
    assert "Khảo sát riêng" in html and "Đã công bố" in html and "Nháp 4" in html
    table = html[html.index("<table") :]
    row = table[table.index("Khảo sát riêng") :]
    assert ">2</td>" in row[: row.index("</tr>")]


def test_manage_index_links_to_every_area(bob):
    html = bob.get(reverse("manage:index")).content.decode()
    for path in ("/manage/surveys/", "/manage/receipts/", "/manage/kiosks/", "/manage/tokens/", "/manage/moderation/"):
        assert f'href="{path}"' in html


def test_staff_index_shows_only_what_staff_may_use(client, city):
    client.force_login(city.alice)
    html = client.get(reverse("manage:index")).content.decode()
    assert 'href="/manage/surveys/"' in html and "/manage/kiosks/" not in html


@pytest.mark.parametrize("revision", ["", "abc", "-1"])
def test_a_tampered_revision_is_explained_and_saves_nothing(bob, draft, revision):
    response = bob.post(vurl("question_add", draft), question_post(draft, revision=revision))
    assert response.status_code == 400
    assert "Biểu mẫu không đầy đủ" in response.content.decode()
    assert not draft.questions.exists()


def test_manager_allows_and_stops_the_open_link(bob, city, draft):
    url = reverse("manage:survey_settings", args=[draft.survey_id])
    bob.post(url, {"allow_open_link": "on"})
    draft.survey.refresh_from_db()
    assert draft.survey.allow_open_link
    page = bob.get(reverse("manage:survey", args=[draft.survey_id])).content.decode()
    assert f"/s/{draft.survey.slug}/{city.ward_a.code}/" in page
    bob.post(url, {})
    draft.survey.refresh_from_db()
    assert not draft.survey.allow_open_link


def test_survey_list_says_what_citizens_of_each_unit_answer_now(bob, city, draft):
    html = bob.get(reverse("manage:survey_list")).content.decode()
    assert "không có khảo sát nào đang mở" in html  # no standard survey in this city yet
    from surveys.tests.factories import make_standard_survey

    standard = make_standard_survey(city.root)
    html = bob.get(reverse("manage:survey_list")).content.decode()
    panel = html[html.index("applying-now") :]
    assert standard.title_vi in panel[: panel.index("</ul>")] and "Thành phố Hà Nội" in panel


def test_double_clicks_on_publish_and_close_do_no_harm(bob, city, draft):
    bob.post(vurl("question_add", draft), question_post(draft))
    draft.refresh_from_db()
    data = {"revision": draft.revision}
    assert bob.post(vurl("version_publish", draft), data).status_code == 302
    again = bob.post(vurl("version_publish", draft), data, follow=True)
    assert "đã được công bố rồi" in again.content.decode()
    assert bob.post(vurl("version_close", draft)).status_code == 302
    again = bob.post(vurl("version_close", draft), follow=True)
    assert "đã được đóng rồi" in again.content.decode()
    draft.refresh_from_db()
    assert draft.status == SurveyVersion.Status.CLOSED and draft.closed_by == city.bob


def test_survey_list_searches_and_pages(bob, city, draft, monkeypatch):
    from surveys.authoring.views import surveys as survey_pages

    monkeypatch.setattr(survey_pages, "SURVEYS_PER_PAGE", 2)
    for i in range(3):
        services.survey_create(owner=city.centre_a, user=None, from_standard=False, title_vi=f"Một cửa {i}")
    first = bob.get(reverse("manage:survey_list")).content.decode()
    assert "Trang 1 / 2" in first
    found = bob.get(reverse("manage:survey_list"), {"q": "riêng"}).content.decode()
    assert "Khảo sát riêng" in found and "Một cửa 0" not in found
    by_code = bob.get(reverse("manage:survey_list"), {"q": "00004-BPMC"}).content.decode()
    assert "Một cửa 2" in by_code and "Khảo sát riêng" not in by_code
    none = bob.get(reverse("manage:survey_list"), {"q": "không có đâu"}).content.decode()
    assert "Không có phiếu khảo sát nào khớp" in none
    assert bob.get(reverse("manage:survey_list"), {"page": "abc"}).status_code == 200


def test_publish_problems_are_listed_in_english_when_the_manager_reads_english(bob, draft):
    bob.post("/i18n/setlang/", {"language": "en", "next": "/"})
    draft.refresh_from_db()
    response = bob.post(vurl("version_publish", draft), {"revision": draft.revision})
    html = response.content.decode()
    assert response.status_code == 400
    assert "1 problem to fix" in html and "Add at least one question." in html


def test_inactive_units_are_not_offered_as_owners(bob, city):
    city.centre_a.active = False
    city.centre_a.save()
    html = bob.get(reverse("manage:survey_create")).content.decode()
    assert f'value="{city.ward_a.pk}"' in html and f'value="{city.centre_a.pk}"' not in html
    response = bob.post(reverse("manage:survey_create"), {"owner": city.centre_a.pk, "start": "standard"})
    assert response.status_code == 400 and not Survey.objects.exists()


def test_audit_counts_responses_and_questions_of_each_version(city, draft):
    from surveys.authoring.selectors import versions_with_audit
    from surveys.tests.factories import make_response

    for text in ("Một", "Hai", "Ba"):
        services.question_add(
            version=draft,
            user=None,
            revision=SurveyVersion.objects.get(pk=draft.pk).revision,
            kind="rating",
            text_vi=text,
            dimension=ensure_dimensions()["access"],
        )
    draft.refresh_from_db()
    v1 = services.version_publish(version=draft, user=city.bob, revision=draft.revision)
    for _ in range(2):
        make_response(v1, city.ward_a, [5, 4, 3])
    services.version_new(survey=v1.survey, user=city.bob)
    counts = {v.number: (v.question_count, v.response_count) for v in versions_with_audit(v1.survey)}
    assert counts == {1: (3, 2), 2: (3, 0)}
