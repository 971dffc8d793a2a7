"""Walk every URL pattern of the project as every persona (DESIGN.md, Security: tested for every view).

Personas (agencies/tests/factories.py::make_city): anonymous; charlie, staff of ward B (an outsider
to ward A); alice, staff of ward A; bob, manager of ward A; dana, administrator of the city.
The objects in the walk belong to ward A (or to the city for administrators' objects), so:
- a persona outside the rule gets 404 (the object "does not exist" for them) or 403 (their role
  never opens that page); anonymous gets the login redirect (or 401/403 from the API);
- a persona inside the rule never gets 401/403/404, nor a 5xx.

The rule table is keyed by URL name. A URL added to the project without a rule here fails
`test_every_url_has_a_rule` (and its own walk case) with "add a rule for URL name X".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from reports.anonymity import reference as ref

ANON, CHARLIE, ALICE, BOB, DANA = "anonymous", "charlie", "alice", "bob", "dana"
PERSONAS = (ANON, CHARLIE, ALICE, BOB, DANA)
EVERYONE = frozenset(PERSONAS)
SIGNED_IN = frozenset({CHARLIE, ALICE, BOB, DANA})
READ_A = frozenset({ALICE, BOB, DANA})  # may see ward A
MANAGE_A = frozenset({BOB, DANA})  # may manage ward A
ADMIN = frozenset({DANA})
NOBODY = frozenset()
DENIED = {403, 404}


@dataclass(frozen=True)
class Rule:
    """How to reach one URL, and who may."""

    url: Callable[[SimpleNamespace], str]
    allowed: frozenset = EVERYONE
    method: str = "get"
    data: Callable[[SimpleNamespace], dict] | None = None
    # Statuses a persona outside `allowed` may get, beyond 403/404 (e.g. the admin's login redirect).
    denied: frozenset = field(default_factory=lambda: frozenset(DENIED))


def _r(path: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: path.format(w=w)


def _survey(suffix: str = "") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/manage/surveys/{w.survey.pk}/v1/{suffix}"


def _question(suffix: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/manage/surveys/{w.survey.pk}/v1/questions/{w.question.pk}/{suffix}"


RULES: dict[str, Rule] = {
    # project pages
    "home": Rule(_r("/")),
    "healthz": Rule(_r("/healthz")),
    "set_language": Rule(_r("/i18n/setlang/"), method="post", data=lambda w: {"language": "en", "next": "/"}),
    "login": Rule(_r("/accounts/login/")),
    "logout": Rule(_r("/accounts/logout/"), method="post"),
    "password_change": Rule(_r("/accounts/password_change/"), allowed=SIGNED_IN),
    "password_change_done": Rule(_r("/accounts/password_change/done/"), allowed=SIGNED_IN),
    # citizen pages: public by design, the code or token is the key
    "surveys:enter_code": Rule(_r("/code/"), method="post", data=lambda w: {"code": w.receipt.code}),
    "surveys:receipt_survey": Rule(_r("/r/{w.receipt.code}/")),
    "surveys:receipt_thanks": Rule(_r("/r/{w.receipt.code}/thanks/")),
    "surveys:receipt_qr": Rule(_r("/r/{w.receipt.code}/qr.svg")),
    "surveys:kiosk": Rule(_r("/k/{w.kiosk.token}/")),
    "surveys:kiosk_submit": Rule(_r("/k/{w.kiosk.token}/answers/"), method="post"),
    "surveys:kiosk_thanks": Rule(_r("/k/{w.kiosk.token}/thanks/")),
    "surveys:open_link": Rule(_r("/s/{w.standard.survey.slug}/00004/")),
    "surveys:open_link_thanks": Rule(_r("/s/{w.standard.survey.slug}/00004/thanks/")),
    # managers' pages of the surveys app
    "manage:receipts": Rule(_r("/manage/receipts/"), allowed=MANAGE_A),
    # a sheet shows the receipts its user issued (bob issued the walk's receipt)
    "manage:receipt_sheet": Rule(
        _r("/manage/receipts/sheet/?from={w.receipt.pk}&to={w.receipt.pk}"), allowed=frozenset({BOB})
    ),
    "manage:kiosks": Rule(_r("/manage/kiosks/"), allowed=MANAGE_A),
    "manage:kiosk": Rule(_r("/manage/kiosks/{w.kiosk.pk}/"), allowed=MANAGE_A),
    "manage:kiosk_qr": Rule(_r("/manage/kiosks/{w.kiosk.pk}/qr.svg"), allowed=MANAGE_A),
    "manage:kiosk_revoke": Rule(_r("/manage/kiosks/{w.kiosk.pk}/revoke/"), allowed=MANAGE_A, method="post"),
    "manage:tokens": Rule(_r("/manage/tokens/"), allowed=MANAGE_A),
    "manage:token_revoke": Rule(_r("/manage/tokens/{w.token.pk}/revoke/"), allowed=MANAGE_A, method="post"),
    # survey authoring (a survey of ward A): staff read, managers edit
    "manage:index": Rule(_r("/manage/"), allowed=SIGNED_IN),
    "manage:survey_list": Rule(_r("/manage/surveys/"), allowed=SIGNED_IN),
    "manage:survey_create": Rule(_r("/manage/surveys/new/"), allowed=SIGNED_IN - {CHARLIE, ALICE}),
    "manage:survey": Rule(lambda w: f"/manage/surveys/{w.survey.pk}/", allowed=READ_A),
    "manage:survey_settings": Rule(
        lambda w: f"/manage/surveys/{w.survey.pk}/settings/", allowed=MANAGE_A, method="post"
    ),
    "manage:version_new": Rule(
        lambda w: f"/manage/surveys/{w.survey.pk}/new-version/", allowed=MANAGE_A, method="post"
    ),
    "manage:version": Rule(_survey(), allowed=READ_A),
    "manage:version_edit": Rule(_survey("edit/"), allowed=MANAGE_A),
    "manage:question_add": Rule(_survey("questions/add/"), allowed=MANAGE_A),
    "manage:question_edit": Rule(_question("edit/"), allowed=MANAGE_A),
    "manage:question_delete": Rule(_question("delete/"), allowed=MANAGE_A, method="post"),
    "manage:question_move": Rule(_question("move/"), allowed=MANAGE_A, method="post"),
    "manage:question_reorder": Rule(_survey("questions/reorder/"), allowed=MANAGE_A, method="post"),
    "manage:version_preview": Rule(_survey("preview/"), allowed=READ_A),
    "manage:version_preview_frame": Rule(_survey("preview/frame/"), allowed=READ_A),
    "manage:version_publish": Rule(_survey("publish/"), allowed=MANAGE_A, method="post"),
    "manage:version_close": Rule(_survey("close/"), allowed=MANAGE_A, method="post"),
    "manage:version_schedule": Rule(_survey("schedule/"), allowed=MANAGE_A, method="post"),
    "manage:version_discard": Rule(_survey("discard/"), allowed=MANAGE_A, method="post"),
    # dashboards (ward A's objects)
    "reports:dashboard": Rule(_r("/dashboard/"), allowed=SIGNED_IN),
    "reports:unit": Rule(_r("/units/00004/"), allowed=READ_A),
    "reports:unit_export": Rule(_r("/units/00004/export/csv/"), allowed=READ_A),
    "reports:unit_recompute": Rule(_r("/units/00004/recompute/"), allowed=ADMIN, method="post"),
    "reports:compare": Rule(_r("/compare/"), allowed=SIGNED_IN),
    "reports:compare_export": Rule(_r("/compare/export/xlsx/"), allowed=SIGNED_IN),
    # alice's own background export of ward A: only she, while she may see ward A
    "reports:export_status": Rule(lambda w: f"/exports/{w.export_job.pk}/", allowed=frozenset({ALICE})),
    "reports:export_download": Rule(lambda w: f"/exports/{w.export_job.pk}/download/", allowed=frozenset({ALICE})),
    "reports:open_data": Rule(_r("/open-data/")),
    # the old address of the open-data management page: a permanent redirect for anyone
    "reports:open_data_manage_moved": Rule(_r("/open-data/manage/")),
    # a draft publication of the city: only those who see the city
    "reports:open_data_detail": Rule(_r("/open-data/01/2025-10/"), allowed=ADMIN),
    "reports:open_data_csv": Rule(_r("/open-data/01/2025-10/csv/"), allowed=ADMIN),
    "manage:audit_log": Rule(_r("/manage/audit/"), allowed=ADMIN),
    "manage:open_data": Rule(_r("/manage/open-data/"), allowed=ADMIN),
    "manage:open_data_action": Rule(
        _r("/manage/open-data/01/2025-10/action/"), allowed=ADMIN, method="post", data=lambda w: {"action": "publish"}
    ),
    "manage:moderation": Rule(_r("/manage/moderation/"), allowed=MANAGE_A),
    "manage:moderation_detail": Rule(lambda w: f"/manage/moderation/{ref(w.response.pk)}/", allowed=MANAGE_A),
    "manage:moderation_flag": Rule(
        _r("/manage/moderation/flags/{w.flag.pk}/"),
        allowed=MANAGE_A,
        method="post",
        data=lambda w: {"action": "dismiss", "note": "genuine"},
    ),
    # feedback (issue 18): the citizen's reply page is keyed by the code; the rest follows the unit rule
    "feedback:reply_for_code": Rule(_r("/r/{w.receipt.code}/reply/")),
    "feedback:actions_public": Rule(_r("/you-said-we-did/00004/")),
    "feedback:unit_comments": Rule(_r("/units/00004/comments/"), allowed=READ_A),
    "feedback:monthly_report": Rule(_r("/units/00004/report/2025-10/"), allowed=READ_A),
    "feedback:alert_settings": Rule(_r("/account/alerts/"), allowed=SIGNED_IN),
    "manage:reply_edit": Rule(
        lambda w: f"/manage/replies/{ref(w.response.pk)}/",
        allowed=MANAGE_A,
        method="post",
        data=lambda w: {"text": "Cảm ơn"},
    ),
    "manage:actions": Rule(_r("/manage/actions/00004/"), allowed=MANAGE_A),
    "manage:plans": Rule(_r("/manage/plans/"), allowed=MANAGE_A),
    "manage:plan_file": Rule(_r("/manage/plans/00004/2025-10/"), allowed=MANAGE_A),
    # API: session personas here; tokens are walked in test_api_tokens_are_scoped_to_their_subtree
    "api-schema": Rule(_r("/api/v1/schema/")),
    "api-docs": Rule(_r("/api/v1/docs/")),
    "api-receipts": Rule(
        _r("/api/v1/receipts/"),
        allowed=NOBODY,
        method="post",
        data=lambda w: {"unit": "00004"},
        denied=frozenset({401, 403, 404}),
    ),
    "api-scores": Rule(_r("/api/v1/scores/?unit=00004"), allowed=READ_A, denied=frozenset({401, 403, 404})),
    "api-comparison": Rule(_r("/api/v1/comparison/?parent=00004"), allowed=READ_A, denied=frozenset({401, 403, 404})),
    "api-channels": Rule(
        _r("/api/v1/channels/?unit=00004&period=2025-06"), allowed=READ_A, denied=frozenset({401, 403, 404})
    ),
}

# The Django admin: none of the personas is `is_staff`, so every page sends them to the admin login.
ADMIN_NAMESPACE_DENIED = frozenset({302})


def _all_patterns(patterns=None, prefix: str = "", namespace: str | None = None):
    """(name or None, route, namespace) of every URL pattern of the project, recursively."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace if not namespace else (f"{namespace}:{p.namespace}" if p.namespace else namespace)
            yield from _all_patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), namespace


PATTERNS = list(_all_patterns())
NAMES = sorted({name for name, _route, ns in PATTERNS if name and ns != "admin"})


def test_every_url_has_a_rule():
    missing = [name for name in NAMES if name not in RULES]
    unnamed = [route for name, route, ns in PATTERNS if name is None and ns != "admin"]
    assert not missing, "; ".join(
        f"add a rule for URL name {n!r} in reports/tests/test_access_walk.py" for n in missing
    )
    assert not unnamed, f"give these URL patterns a name and a rule: {unnamed}"
    stale = sorted(set(RULES) - set(NAMES))
    assert not stale, f"rules for URLs that no longer exist (remove them): {stale}"


@pytest.fixture
def world(city, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from agencies.tests.factories import make_service_point
    from reports.models import OpenDataPublication
    from reports.tests.factories import make_unit_scores
    from surveys.manage.services import api_token_create
    from surveys.models import Kiosk, Question, Survey, SurveyVersion
    from surveys.tests.factories import (
        make_receipt,
        make_response,
        make_standard_survey,
    )

    standard = make_standard_survey(city.root)
    survey = Survey.objects.create(owner=city.ward_a, slug="phieu-ba-dinh")
    version = SurveyVersion.objects.create(survey=survey, number=1, title_vi="Phiếu Ba Đình")
    question = Question.objects.create(version=version, order=1, kind="rating", text_vi="Hài lòng?")
    point = make_service_point(city.ward_a)
    kiosk = Kiosk.objects.create(service_point=point, label="Quầy 1", token="kiosk-token-ward-a-0123456789")
    receipt = make_receipt(city.ward_a)
    receipt.issued_by = city.bob
    receipt.save(update_fields=["issued_by"])
    response = make_response(standard, city.ward_a, [4] * 16, comment="Tốt")
    token, key = api_token_create(unit=city.ward_a, name="Một cửa Ba Đình")
    make_unit_scores(city.ward_a, start=date(2025, 10, 1), index=88.0)
    OpenDataPublication.objects.create(unit=city.root, period_type="month", period_start=date(2025, 10, 1))
    from reports.models import ReviewFlag

    flag = ReviewFlag.objects.create(
        kind="burst_client",
        key="k",
        unit=city.ward_a,
        count=1,
        first_at=response.submitted_at,
        last_at=response.submitted_at,
    )
    flag.responses.add(response)
    from reports import export_jobs

    export_job = export_jobs.export_job_create(
        user=city.alice,
        kind="unit",
        fmt="csv",
        unit=city.ward_a,
        params={"period": ["2025-10"]},
        period="2025-10",
        estimated_rows=5000,
        language="vi",
    )
    export_jobs.export_job_build(job_id=str(export_job.pk))
    return SimpleNamespace(
        export_job=export_job,
        city=city,
        standard=standard,
        survey=survey,
        version=version,
        question=question,
        kiosk=kiosk,
        receipt=receipt,
        response=response,
        token=token,
        key=key,
        flag=flag,
    )


def _request(client, rule: Rule, world) -> int:
    url = rule.url(world)
    data = rule.data(world) if rule.data else {}
    if rule.method == "post":
        return client.post(url, data).status_code
    return client.get(url, data).status_code


def _login(client, world, persona: str) -> None:
    client.logout()
    if persona != ANON:
        client.force_login(getattr(world.city, persona))


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_walk(client, world, name, monkeypatch):
    rule = RULES.get(name)
    if rule is None:
        pytest.fail(f"add a rule for URL name {name!r} in reports/tests/test_access_walk.py")
    # Denied personas first: their requests must change nothing the allowed ones then see.
    order = sorted(PERSONAS, key=lambda p: p in rule.allowed)
    failures = []
    for persona in order:
        _login(client, world, persona)
        status = _request(client, rule, world)
        if persona in rule.allowed:
            if status in (401, 403, 404) or status >= 500:
                failures.append(f"{persona} should be let in, got {status}")
        elif persona == ANON:
            if status not in rule.denied | {302, 401}:
                failures.append(f"anonymous should be sent to the login or refused, got {status}")
        elif status not in rule.denied:
            failures.append(f"{persona} should get {sorted(rule.denied)}, got {status}")
    assert not failures, f"{name}: " + "; ".join(failures)


ADMIN_NAMES = sorted({name for name, _route, ns in PATTERNS if ns == "admin" and name})


def _admin_url(route: str) -> str:
    import re

    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<app_label>[^)]*\)", "auth", route)
    route = re.sub(r"<[^>]+>", "1", route)
    return "/" + route


@pytest.mark.django_db
def test_admin_pages_send_every_persona_to_the_admin_login(client, world):
    """No persona but the city administrator is Django `is_staff` (agencies.roles derives it from
    the administrator role on the top unit): every admin page redirects the others to the admin login."""
    routes = {name: route for name, route, ns in PATTERNS if ns == "admin" and name}
    for persona in [p for p in PERSONAS if p != DANA]:
        _login(client, world, persona)
        # The admin asks one question of every signed-in persona (is_staff?): every page for
        # anonymous and the most powerful persona, the index for the others.
        names = ADMIN_NAMES if persona == ANON else ["admin:index"]
        for name in names:
            url = _admin_url(routes[name])
            status = client.get(url).status_code
            if name == "admin:login":
                assert status in (200, 302), (persona, url, status)
            else:
                assert status in ADMIN_NAMESPACE_DENIED, (persona, url, status)


@pytest.mark.django_db
def test_api_tokens_are_scoped_to_their_subtree(client, world):
    from surveys.manage.services import api_token_create

    _token, key_b = api_token_create(unit=world.city.ward_b, name="Ngọc Hà")
    outsider = {"HTTP_AUTHORIZATION": f"Token {key_b}"}
    owner = {"HTTP_AUTHORIZATION": f"Token {world.key}"}
    assert client.get("/api/v1/scores/", {"unit": "00004"}, **outsider).status_code == 404
    assert client.get("/api/v1/scores/", {"unit": "00004"}, **owner).status_code == 200
    body = client.get("/api/v1/scores/", **outsider).json()
    assert body["count"] == 0
    response = client.post("/api/v1/receipts/", {"unit": "00004"}, content_type="application/json", **outsider)
    assert response.status_code in DENIED | {400}
    assert response.status_code != 201
