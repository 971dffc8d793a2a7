"""The audit log: every staff action named in issue 7 leaves one AuditEvent; the admin shows it read-only."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from agencies import audit
from agencies.audit import AuditAction as AgenciesAction
from agencies.models import AuditEvent, Membership
from agencies.tests.factories import make_service_point
from reports import moderation
from reports.audit_actions import AuditAction as ReportsAction
from reports.tests.factories import make_unit_scores
from surveys.audit_actions import AuditAction as SurveysAction
from surveys.authoring import services as authoring_services
from surveys.manage.services import api_token_create, kiosk_register
from surveys.models import ApiToken, Kiosk
from surveys.tests.factories import make_response, make_standard_survey

pytestmark = pytest.mark.django_db

# The actions as each app registers them (agencies.audit_registry), under one name for the tests.
A = SimpleNamespace(
    **{member.name: member for enum in (AgenciesAction, SurveysAction, ReportsAction) for member in enum}
)


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_record_names_actor_object_and_unit(city):
    token, _key = api_token_create(unit=city.ward_a, name="Một cửa", user=city.bob)
    (event,) = _events(A.TOKEN_CREATE)
    assert (event.actor, event.actor_name, event.object_type, event.object_id) == (
        city.bob,
        "bob",
        "surveys.apitoken",
        str(token.pk),
    )
    assert event.unit == city.ward_a and token.prefix in event.object_label and event.at is not None


def test_record_refuses_citizen_data_and_model_instances(city):
    with pytest.raises(ValueError, match="citizen data"):
        audit.record(actor=city.bob, action=A.EXPORT, details={"comment": "số điện thoại 0912…"})
    with pytest.raises(TypeError):
        audit.record(actor=city.bob, action=A.EXPORT, details={"unit": city.ward_a})


def test_survey_publish_close_and_new_version_are_audited(city):
    version = authoring_services.survey_create(owner=city.ward_a, user=city.bob, from_standard=True)
    authoring_services.version_publish(version=version, user=city.bob, revision=version.revision)
    draft = authoring_services.version_new(survey=version.survey, user=city.bob)
    version.refresh_from_db()
    authoring_services.version_close(version=version, user=city.dana)
    published, new, closed = _events(A.SURVEY_PUBLISH), _events(A.SURVEY_NEW_VERSION), _events(A.SURVEY_CLOSE)
    assert [(e.actor, e.object_id, e.unit) for e in published] == [(city.bob, str(version.pk), city.ward_a)]
    assert [(e.object_id, e.details["copied_from"]) for e in new] == [(str(draft.pk), 1)]
    assert [(e.actor, e.details["number"]) for e in closed] == [(city.dana, 1)]


def test_a_refused_publication_leaves_no_event(city):
    version = authoring_services.survey_create(owner=city.ward_a, user=city.bob, from_standard=False, title_vi="Trống")
    with pytest.raises(authoring_services.AuthoringError):
        authoring_services.version_publish(version=version, user=city.bob, revision=version.revision)
    assert not AuditEvent.objects.exists()


def test_exclusion_and_reinclusion_are_audited_without_the_comment(city):
    version = make_standard_survey(city.root)
    response = make_response(version, city.ward_a, [5] * 5, comment="Cán bộ Nguyễn Văn A, 0912 345 678")
    moderation.response_exclude(response_id=response.pk, user=city.bob, reason="spam")
    moderation.response_include(response_id=response.pk, user=city.bob, reason="not spam")
    events = AuditEvent.objects.filter(action__in=[A.RESPONSE_EXCLUDE, A.RESPONSE_INCLUDE]).order_by("id")
    assert [(e.action, e.actor, e.object_label, e.unit, e.details) for e in events] == [
        (A.RESPONSE_EXCLUDE, city.bob, f"#{response.pk}", city.ward_a, {"reason": "spam"}),
        (A.RESPONSE_INCLUDE, city.bob, f"#{response.pk}", city.ward_a, {"reason": "not spam"}),
    ]
    assert not AuditEvent.objects.filter(details__icontains="0912").exists()


def test_tokens_and_kiosks_made_and_revoked_on_manage_pages_are_audited(client, city):
    client.force_login(city.bob)
    client.post("/manage/tokens/", {"unit": city.ward_a.pk, "name": "Phần mềm một cửa"})
    token = ApiToken.objects.get()
    client.post(f"/manage/tokens/{token.pk}/revoke/")
    client.post(f"/manage/tokens/{token.pk}/revoke/")  # a second click changes nothing, logs nothing
    point = make_service_point(city.ward_a)
    kiosk = kiosk_register(service_point=point, label="Quầy 1", user=city.bob)
    client.post(f"/manage/kiosks/{kiosk.pk}/revoke/")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor__username", "unit__code"))
    assert actions == [
        (A.TOKEN_CREATE, "bob", city.ward_a.code),
        (A.TOKEN_REVOKE, "bob", city.ward_a.code),
        (A.KIOSK_CREATE, "bob", city.ward_a.code),
        (A.KIOSK_REVOKE, "bob", city.ward_a.code),
    ]


def test_tokens_and_kiosks_made_and_revoked_in_the_admin_are_audited(client, city):
    superuser = city.dana
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    client.post("/admin/surveys/apitoken/add/", {"unit": city.ward_b.pk, "name": "BI"})
    token = ApiToken.objects.get()
    client.post("/admin/surveys/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    point = make_service_point(city.ward_b)
    client.post("/admin/surveys/kiosk/add/", {"service_point": point.pk, "label": "Máy 2"})
    kiosk = Kiosk.objects.get()
    assert kiosk.token
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor__username", "unit__code"))
    assert actions == [
        (A.TOKEN_CREATE, "dana", city.ward_b.code),
        (A.TOKEN_REVOKE, "dana", city.ward_b.code),
        (A.KIOSK_CREATE, "dana", city.ward_b.code),
    ]


def test_add_member_records_the_role_change_and_not_a_repeat(city):
    call_command("add_member", "alice", "--unit", city.ward_a.code, "--role", "manager")
    call_command("add_member", "alice", "--unit", city.ward_a.code, "--role", "manager")
    (event,) = _events(A.ROLE_GRANT)
    assert event.actor is None and event.actor_name == "add_member (command line)"
    assert event.details == {"username": "alice", "role": "manager", "previous_role": "staff"}
    assert event.unit == city.ward_a


def test_role_changes_in_the_admin_are_audited(client, city):
    city.dana.is_staff = city.dana.is_superuser = True
    city.dana.save()
    client.force_login(city.dana)
    membership = Membership.objects.get(user=city.alice)
    client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": city.alice.pk, "unit": city.ward_a.pk, "role": "manager"},
    )
    client.post(f"/admin/agencies/membership/{membership.pk}/delete/", {"post": "yes"})
    grant, revoke = _events(A.ROLE_GRANT), _events(A.ROLE_REVOKE)
    assert [(e.actor, e.details["previous_role"], e.details["role"]) for e in grant] == [
        (city.dana, "staff", "manager")
    ]
    assert [(e.actor, e.details["previous_role"]) for e in revoke] == [(city.dana, "manager")]
    assert not Membership.objects.filter(user=city.alice).exists()


def test_exports_record_who_exported_what(client, city):
    make_unit_scores(city.ward_a, start=date(2025, 10, 1), index=84)
    client.force_login(city.alice)
    assert client.get("/units/00004/export/csv/?period=2025-10").status_code == 200
    client.force_login(city.dana)
    response = client.get("/compare/export/xlsx/?period=2025-10&kind=ward")
    assert response.status_code == 200
    events = _events(A.EXPORT)
    assert [(e.actor_name, e.object_type, e.details["format"], e.details["period"]) for e in events] == [
        ("alice", "export.unit", "csv", "2025-10"),
        ("dana", "export.compare", "xlsx", "2025-10"),
    ]
    assert events[0].unit == city.ward_a and events[1].details["filters"]["kind"] == "ward"


def test_a_refused_export_is_not_recorded_as_one(client, city):
    client.force_login(city.charlie)
    assert client.get("/units/00004/export/csv/").status_code == 404
    assert not AuditEvent.objects.exists()


def test_recompute_by_an_administrator_is_audited(client, city):
    client.force_login(city.dana)
    client.post(f"/units/{city.ward_a.code}/recompute/")
    (event,) = _events(A.ROLLUP_RECOMPUTE)
    assert (event.actor, event.unit) == (city.dana, city.ward_a)


# --------------------------------------------------------------------------- the admin page


def test_admin_audit_log_is_read_only_and_filters(client, city):
    api_token_create(unit=city.ward_a, name="T", user=city.bob)
    city.dana.is_staff = city.dana.is_superuser = True
    city.dana.save()
    client.force_login(city.dana)
    page = client.get("/admin/agencies/auditevent/?action=token_create")
    assert page.status_code == 200 and "bob" in page.content.decode()
    event = AuditEvent.objects.get()
    assert client.get("/admin/agencies/auditevent/add/").status_code == 403
    detail = client.get(f"/admin/agencies/auditevent/{event.pk}/change/")
    assert detail.status_code == 200 and 'name="action"' not in detail.content.decode()
    client.post(f"/admin/agencies/auditevent/{event.pk}/change/", {"action": "export"})
    assert client.post(f"/admin/agencies/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == A.TOKEN_CREATE


def test_admin_staff_of_a_part_of_the_city_sees_only_its_units(client, city):
    api_token_create(unit=city.ward_a, name="A", user=city.bob)
    api_token_create(unit=city.ward_b, name="B", user=None)
    ward_admin = city.bob
    Membership.objects.filter(user=ward_admin).update(role=Membership.Role.ADMINISTRATOR)
    ward_admin.is_staff = True
    ward_admin.save()
    client.force_login(ward_admin)
    page = client.get("/admin/agencies/auditevent/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "A (" in body and "B (" not in body
    # Staff who administer nothing do not see the log at all: the flag set by hand does not hold
    # (agencies.roles), so the admin sends them to its login.
    city.alice.is_staff = True
    city.alice.save()
    client.force_login(city.alice)
    assert client.get("/admin/agencies/auditevent/").status_code in (302, 403)


# --------------------------------------------------------------------------- the page for administrators


def test_audit_page_shows_an_administrator_the_events_of_their_units_with_filters(client, city):
    api_token_create(unit=city.ward_a, name="Tok A", user=city.bob)
    api_token_create(unit=city.ward_b, name="Tok B", user=city.charlie)
    audit.record(actor=None, actor_name="x", action=A.SIGN_IN_LOCKED, object_label="mallory")  # no unit
    ward_admin = city.bob
    Membership.objects.filter(user=ward_admin).update(role=Membership.Role.ADMINISTRATOR)
    client.force_login(ward_admin)
    body = client.get("/manage/audit/").content.decode()
    assert "Tok A" in body and "Tok B" not in body and "mallory" not in body
    client.force_login(city.dana)
    body = client.get("/manage/audit/").content.decode()
    # dana administers the city, so her role makes her a superuser (agencies.roles): she sees it all.
    assert "Tok A" in body and "Tok B" in body and "mallory" in body
    body = client.get("/manage/audit/", {"unit": city.ward_b.code, "actor": "char"}).content.decode()
    assert "Tok B" in body and "Tok A" not in body
    assert "Tok A" not in client.get("/manage/audit/", {"action": "export"}).content.decode()
    assert "Tok A" not in client.get("/manage/audit/", {"since": "2099-01-01"}).content.decode()


def test_audit_page_explains_bad_filters_instead_of_failing(client, city):
    client.force_login(city.dana)
    for params in (
        {"action": "<script>"},
        {"unit": "NOPE"},
        {"since": "yesterday"},
        {"until": "2025-13-45"},
        {"page": "-1"},
    ):
        response = client.get("/manage/audit/", params)
        assert response.status_code in (200, 400), params
        assert "<script>" not in response.content.decode()
    assert client.get("/manage/audit/", {"unit": "NOPE"}).status_code == 400


def test_audit_page_is_for_administrators_only_and_linked_for_them(client, city):
    for persona in (city.alice, city.bob, city.charlie):
        client.force_login(persona)
        assert client.get("/manage/audit/").status_code == 403
        assert "/manage/audit/" not in client.get("/manage/").content.decode()
    client.force_login(city.dana)
    assert "/manage/audit/" in client.get("/dashboard/", follow=True).content.decode()
