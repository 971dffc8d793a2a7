"""Every staff list pages before it aggregates, proven at scale: each list costs the same queries with
10 responses stored as with 100,000, and no query reads answers beyond the ids of the page shown.

The 100,000 responses (one answer each, a third with a comment, spread over three units, a procedure
and 16 months, 7 minutes apart) are built once for the module, inside a transaction rolled back at its end.
The lists' own rows grow too between the two measurements (audit events, kiosks, tokens, receipt
batches, flags, replies, actions, plans, publications, surveys), so a list that works per row of its
own kind is caught as well.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = [pytest.mark.anydb, pytest.mark.slow, pytest.mark.xdist_group("paging_at_scale")]

MANY = 100_000
PAGE_IDS_MAX = 100  # the largest page of any staff list, with room


def _urls(city, flag_id: int) -> list[str]:
    a = city.ward_a.code
    return [
        "/manage/moderation/",
        "/manage/moderation/?comment=1",
        "/manage/moderation/?page=2",
        f"/manage/moderation/?unit={a}",
        f"/manage/moderation/?flag={flag_id}",
        "/manage/moderation/?status=excluded",
        "/units/01/",
        f"/units/{a}/",
        f"/units/{a}/comments/",
        "/manage/audit/",
        "/manage/receipts/",
        "/manage/kiosks/",
        "/manage/tokens/",
        "/manage/",
        "/manage/surveys/",
        "/manage/plans/",
        f"/manage/actions/{a}/",
        "/manage/open-data/",
        "/compare/",
        "/admin/surveys/response/",
        "/admin/surveys/receipt/",
        "/admin/reports/moderationevent/",
        "/admin/reports/reviewflag/",
        "/admin/agencies/auditevent/",
    ]


def _responses(version, units, procedure, n: int, *, start: int = 0):
    from surveys.models import Answer, Response

    now = timezone.now()
    question = version.questions.filter(kind="rating").order_by("order").first()
    rows = [
        Response(
            version=version,
            unit=units[i % len(units)],
            procedure=procedure if i % 4 == 0 else None,
            channel="kiosk",
            submitted_at=now - timedelta(minutes=7 * i + 1),
            changed_at=now,
            idempotency_key=uuid.uuid4(),
            comment=f"ý kiến số {i}" if i % 3 == 0 else "",
        )
        for i in range(start, start + n)
    ]
    created = Response.objects.bulk_create(rows, batch_size=5000)
    if any(r.pk is None for r in created):  # backends that return no ids
        created = list(Response.objects.order_by("-pk")[:n])
    Answer.objects.bulk_create(
        (Answer(response=r, question=question, kind="rating", value=(r.pk % 5) + 1) for r in created), batch_size=5000
    )
    return created


def _own_rows(city, version, responses, n: int, tag: str) -> None:
    """n more rows of each kind the lists show (their own rows, not responses)."""
    from agencies.models import AuditEvent
    from agencies.tests.factories import make_service_point
    from feedback.models import Action, ImprovementPlan, Reply
    from reports.models import OpenDataPublication, ReviewFlag
    from surveys.audit_actions import AuditAction as SurveysAction
    from surveys.models import ApiToken, Kiosk, Receipt, Survey, SurveyVersion

    now = timezone.now()
    point = make_service_point(city.ward_a)
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=city.dana, actor_name="dana", action=SurveysAction.SURVEY_PUBLISH, object_label=f"{tag}{i}")
        for i in range(n)
    )
    ApiToken.objects.bulk_create(
        ApiToken(unit=city.ward_a, name=f"{tag}{i}", key_hash=uuid.uuid4().hex * 2, prefix="ab") for i in range(n)
    )
    Kiosk.objects.bulk_create(
        Kiosk(service_point=point, label=f"{tag}{i}", token=uuid.uuid4().hex * 2) for i in range(n)
    )
    Receipt.objects.bulk_create(
        Receipt(code=f"{tag}{i:06d}"[:16], unit=city.ward_a, issued_at=now, expires_at=now + timedelta(days=30))
        for i in range(n)
    )
    for i in range(n):
        flag = ReviewFlag.objects.create(
            kind="identical", key=f"{tag}{i}", unit=city.ward_a, count=2, first_at=now, last_at=now
        )
        flag.responses.set(responses[2 * i : 2 * i + 2])
    with_comment = [r for r in responses if r.comment and not hasattr(r, "_replied")][: n * 3]
    Reply.objects.bulk_create(Reply(response=r, text="Cảm ơn", created_by=city.bob) for r in with_comment)
    Action.objects.bulk_create(
        Action(unit=city.ward_a, heard=f"{tag}{i}", done="đã làm", done_on=date(2026, 1, 1) + timedelta(days=i))
        for i in range(n)
    )
    base = 2000 if tag == "a" else 2100
    ImprovementPlan.objects.bulk_create(
        ImprovementPlan(
            unit=city.ward_a if i % 2 else city.ward_b,
            trigger_month=date(base + i // 12, i % 12 + 1, 1),
            problem="chờ lâu",
            actions="thêm quầy",
            owner="trưởng bộ phận",
            deadline=date(base + i // 12, i % 12 + 1, 28),
        )
        for i in range(n)
    )
    OpenDataPublication.objects.bulk_create(
        OpenDataPublication(unit=city.root, period_type="month", period_start=date(base + i // 12, i % 12 + 1, 1))
        for i in range(n)
    )
    for i in range(n // 5):
        survey = Survey.objects.create(owner=city.ward_b, slug=f"{tag}-survey-{i}")
        SurveyVersion.objects.create(survey=survey, number=1, title_vi=f"Phiếu {tag} {i}")
    del version


def _measure(client, url: str) -> SimpleNamespace:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    for query in ctx.captured_queries:
        sql = query["sql"]
        if '"surveys_answer"' not in sql:
            continue
        # Answers are read for the rows shown only: by the ids of the page, never joined to the
        # whole list before LIMIT.
        found = re.search(r'"surveys_answer"\."response_id" IN \(([^)]*)\)', sql)
        assert found, (url, "answers read without the page's ids", sql[:500])
        assert found.group(1).count(",") + 1 <= PAGE_IDS_MAX, (url, "more ids than a page", sql[:300])
    return SimpleNamespace(count=len(ctx.captured_queries), sql=[q["sql"] for q in ctx.captured_queries])


@pytest.fixture(scope="module")
def scale(django_db_setup, django_db_blocker):
    """Measures every list with 10 responses, then stores 100,000 more (and more of the lists' own
    rows); the tests measure again. All in one transaction, rolled back when the module ends."""
    from agencies.models import Unit
    from agencies.tests.factories import make_city, make_procedure
    from reports.models import ReviewFlag
    from surveys.tests.factories import make_standard_survey

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            city = make_city()
            commune = Unit.objects.create(parent=city.ward_a, kind=Unit.Kind.COMMUNE, code="00004-X", name_vi="Xã")
            version = make_standard_survey(city.root)
            procedure = make_procedure()
            units = [city.ward_a, city.ward_b, commune]
            few_rows = _responses(version, units, procedure, 10)
            _own_rows(city, version, few_rows, 3, "a")
            flag_id = ReviewFlag.objects.order_by("pk").values_list("pk", flat=True).first()
            urls = _urls(city, flag_id)
            client = Client()
            client.force_login(city.dana)
            for url in urls:  # warm the caches (session, survey versions, units)
                client.get(url)
            few = {url: _measure(client, url) for url in urls}
            many_rows = _responses(version, units, procedure, MANY, start=10)
            _own_rows(city, version, many_rows, 60, "b")
            yield SimpleNamespace(city=city, client=client, urls=urls, few=few)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


URL_NAMES = [
    "moderation",
    "moderation comments",
    "moderation page 2",
    "moderation one unit",
    "moderation one flag",
    "moderation excluded",
    "city unit page",
    "ward unit page",
    "unit comments",
    "audit log",
    "receipt batches",
    "kiosks",
    "api tokens",
    "authoring index",
    "survey list",
    "improvement plans",
    "actions",
    "open data management",
    "compare",
    "admin responses",
    "admin receipts",
    "admin moderation events",
    "admin review flags",
    "admin audit events",
]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_staff_list_costs_the_same_queries_with_100000_responses_as_with_10(scale, index):
    url = scale.urls[index]
    few = scale.few[url]
    scale.client.get(url)  # caches filled again after the bulk inserts, as before the first measure
    many = _measure(scale.client, url)
    extra = sorted(set(many.sql) - set(few.sql))
    missing = sorted(set(few.sql) - set(many.sql))
    assert many.count == few.count, (url, few.count, many.count, [s[:300] for s in extra], [s[:300] for s in missing])


def test_every_list_measured_has_its_name():
    assert len(URL_NAMES) == len(_urls(SimpleNamespace(ward_a=SimpleNamespace(code="X")), 0)) == len(set(URL_NAMES))
