"""Every authoring URL walked by every persona (DESIGN.md: enforced in one place, tested for every view).

Personas: anonymous; frank (signed in, no role); alice (staff of ward A: read only); bob (manager
of ward A); charlie (staff of ward B) and erin (manager of ward B), outsiders to ward A; dana
(administrator of the city). The survey under test belongs to ward A.
"""

import pytest
from django.urls import get_resolver, reverse

from agencies.models import Membership
from agencies.tests.factories import make_user
from surveys.authoring import services
from surveys.models import Question, Survey, SurveyVersion

pytestmark = pytest.mark.django_db

READ, WRITE, LIST, CREATE = "read", "write", "list", "create"

# name → (kind, methods, kwargs builder). Methods: what the URL answers to.
URLS = {
    "index": (LIST, ["get"], lambda w: {}),
    "survey_list": (LIST, ["get"], lambda w: {}),
    "survey_create": (CREATE, ["get", "post"], lambda w: {}),
    "survey": (READ, ["get"], lambda w: {"survey_id": w.survey.pk}),
    "version_new": (WRITE, ["post"], lambda w: {"survey_id": w.survey.pk}),
    "survey_settings": (WRITE, ["post"], lambda w: {"survey_id": w.survey.pk}),
    "version": (READ, ["get"], lambda w: w.draft_kw),
    "version_edit": (WRITE, ["get", "post"], lambda w: w.draft_kw),
    "question_add": (WRITE, ["get", "post"], lambda w: w.draft_kw),
    "question_edit": (WRITE, ["get", "post"], lambda w: {**w.draft_kw, "question_id": w.question.pk}),
    "question_delete": (WRITE, ["get", "post"], lambda w: {**w.draft_kw, "question_id": w.question.pk}),
    "question_move": (WRITE, ["post"], lambda w: {**w.draft_kw, "question_id": w.question.pk}),
    "question_reorder": (WRITE, ["post"], lambda w: w.draft_kw),
    "version_preview": (READ, ["get"], lambda w: w.draft_kw),
    "version_preview_frame": (READ, ["get", "post"], lambda w: w.draft_kw),
    "version_publish": (WRITE, ["get", "post"], lambda w: w.draft_kw),
    "version_close": (WRITE, ["get", "post"], lambda w: w.published_kw),
    "version_schedule": (WRITE, ["post"], lambda w: w.published_kw),
    "version_discard": (WRITE, ["get", "post"], lambda w: w.draft_kw),
}

PERSONAS = ["anonymous", "frank", "alice", "bob", "charlie", "erin", "dana"]
READERS = {"alice", "bob", "dana"}  # may read ward A's survey
MANAGERS = {"bob", "dana"}  # may change it
WITH_ROLE = {"alice", "bob", "charlie", "erin", "dana"}
MANAGE_SOMEWHERE = {"bob", "erin", "dana"}


class World:
    def __init__(self, city):
        self.city = city
        v1 = services.survey_create(owner=city.ward_a, user=city.bob, from_standard=True)
        v1 = services.version_publish(version=v1, user=city.bob, revision=v1.revision)
        self.published = v1
        self.survey = v1.survey
        self.draft = services.version_new(survey=self.survey, user=city.bob)
        self.question = self.draft.questions.order_by("order").first()
        self.draft_kw = {"survey_id": self.survey.pk, "number": self.draft.number}
        self.published_kw = {"survey_id": self.survey.pk, "number": self.published.number}
        self.users = {
            "anonymous": None,
            "frank": make_user("frank"),
            "alice": city.alice,
            "bob": city.bob,
            "charlie": city.charlie,
            "erin": make_user("erin", unit=city.ward_b, role=Membership.Role.MANAGER),
            "dana": city.dana,
        }

    def snapshot(self):
        """Everything a refused request must leave untouched."""
        return (
            list(SurveyVersion.objects.order_by("pk").values_list("pk", "status", "revision", "title_vi", "closes_at")),
            list(Question.objects.order_by("pk").values_list("pk", "order", "text_vi")),
            list(Survey.objects.order_by("pk").values_list("pk", "allow_open_link")),
        )


@pytest.fixture
def world(city):
    return World(city)


def expected(kind: str, persona: str) -> str:
    if persona == "anonymous":
        return "login"
    if kind == LIST:
        return "ok" if persona in WITH_ROLE else "forbidden"
    if kind == CREATE:
        return "ok" if persona in MANAGE_SOMEWHERE else "forbidden"
    if persona not in WITH_ROLE:
        return "forbidden"
    if persona not in READERS:
        return "not_found"  # a foreign survey's existence is not revealed
    if kind == WRITE and persona not in MANAGERS:
        return "forbidden"
    return "ok"


def post_data(name, world):
    if name in ("question_move",):
        return {"revision": world.draft.revision, "direction": "down"}
    if name in ("question_reorder",):
        ids = list(world.draft.questions.order_by("-order").values_list("pk", flat=True))
        return {"revision": world.draft.revision, "order": ids}
    if name in ("question_add", "question_edit"):
        return {"revision": world.draft.revision, "kind": "text", "text_vi": "Câu mới"}
    if name == "version_edit":
        return {"revision": world.draft.revision, "title_vi": "Tiêu đề mới"}
    if name == "survey_create":
        return {"owner": world.city.ward_a.pk, "start": "blank", "title_vi": "Mới"}
    if name == "survey_settings":
        return {"allow_open_link": "on"}
    if name == "version_schedule":
        return {"opens_at": "", "closes_at": "2099-01-01T00:00"}
    return {"revision": world.draft.revision}


def test_every_authoring_url_is_in_the_permission_table():
    import surveys.authoring.urls

    names = {pattern.name for pattern in surveys.authoring.urls.urlpatterns}
    assert names == set(URLS)
    manage = get_resolver().namespace_dict["manage"][1].reverse_dict
    assert all(name in manage for name in URLS)  # served under /manage/, namespace `manage`


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(URLS))
def test_authoring_url_access(client, world, name, persona):
    kind, methods, kwargs = URLS[name]
    url = reverse(f"manage:{name}", kwargs=kwargs(world))
    user = world.users[persona]
    if user is not None:
        client.force_login(user)
    want = expected(kind, persona)
    for method in methods:
        before = world.snapshot()
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, post_data(name, world))
        status = response.status_code
        assert status < 500, (name, persona, method)
        if want == "login":
            assert status == 302 and response["Location"].startswith(reverse("login")), (name, method)
        elif want == "forbidden":
            assert status == 403, (name, persona, method, status)
        elif want == "not_found":
            assert status == 404, (name, persona, method, status)
        else:
            assert status in (200, 302, 400), (name, persona, method, status)
        if want != "ok" or (kind == READ):
            # Refused requests, and everything a reader does, change nothing.
            assert world.snapshot() == before, (name, persona, method)


@pytest.mark.parametrize("persona", ["alice", "charlie", "erin"])
def test_survey_list_shows_only_surveys_of_visible_units(client, world, persona):
    other = services.survey_create(owner=world.city.ward_b, user=None, from_standard=False, title_vi="Khảo sát B")
    client.force_login(world.users[persona])
    html = client.get(reverse("manage:survey_list")).content.decode()
    sees_a = persona == "alice"
    assert (reverse("manage:survey", args=[world.survey.pk]) in html) is sees_a
    assert (reverse("manage:survey", args=[other.survey_id]) in html) is not sees_a


def test_create_refuses_an_owner_outside_the_managed_subtree(client, world):
    client.force_login(world.users["erin"])
    before = Survey.objects.count()
    response = client.post(
        reverse("manage:survey_create"), {"owner": world.city.ward_a.pk, "start": "blank", "title_vi": "Lấn sân"}
    )
    assert response.status_code == 400
    assert Survey.objects.count() == before
