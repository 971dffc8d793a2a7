"""'You said, we did' public pages and improvement plans (who owes one, overdue, recovered)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import AuditEvent
from feedback import plans, services
from feedback.models import Action, ImprovementPlan
from reports.models import OpenDataPublication
from reports.periods import previous_period_start
from reports.tests.factories import make_score


@pytest.mark.django_db
def test_manager_publishes_an_action_and_everyone_sees_it(client, city):
    client.force_login(city.bob)
    posted = client.post(
        "/manage/actions/00004/",
        {
            "topic": "waiting",
            "heard": "Người dân phải chờ lâu vào sáng thứ Hai.",
            "done": "Mở thêm quầy thứ hai; hỏi thêm gọi 0912 345 678.",
            "done_on": "2025-10-20",
        },
    )
    assert posted.status_code == 302
    action = Action.objects.get()
    assert "0912" not in action.done and "[***]" in action.done
    assert AuditEvent.objects.filter(action="action_publish", unit=city.ward_a).count() == 1
    client.logout()
    page = client.get("/you-said-we-did/00004/").content.decode()
    assert "Mở thêm quầy thứ hai" in page and "20/10/2025" in page and "chờ lâu" in page


@pytest.mark.django_db
def test_an_action_in_the_future_or_without_text_is_refused_and_nothing_is_saved(client, city):
    client.force_login(city.bob)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = client.post("/manage/actions/00004/", {"heard": "a", "done": "b", "done_on": tomorrow})
    empty = client.post("/manage/actions/00004/", {"heard": "", "done": "b", "done_on": "2025-10-01"})
    assert future.status_code == 400 and empty.status_code == 400
    assert "tương lai" in future.content.decode()
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_publish_actions(city):
    with pytest.raises(PermissionDenied):
        services.action_publish(unit=city.ward_a, user=city.alice, heard="a", done="b", done_on=date(2025, 1, 1))


@pytest.mark.django_db
def test_the_open_data_entry_links_to_the_units_actions(client, city):
    OpenDataPublication.objects.create(
        unit=city.root,
        period_type="month",
        period_start=date(2025, 10, 1),
        status="published",
        published_at=timezone.now(),
    )
    page = client.get("/open-data/01/2025-10/").content.decode()
    assert "/you-said-we-did/01/" in page


def _below(city, unit, month):
    """Scores that put `unit` far below its parent in `month` (no spread: n_eff = rated answers)."""
    make_score(city.root, start=month, index=88.0, responses=2000)
    make_score(unit, start=month, index=60.0, responses=200)


def _above(city, unit, month):
    make_score(city.root, start=month, index=88.0, responses=2000)
    make_score(unit, start=month, index=88.0, responses=200)


@pytest.fixture
def months():
    last = previous_period_start(timezone.localdate().replace(day=1), "month")
    before = previous_period_start(last, "month")
    earlier = previous_period_start(before, "month")
    return earlier, before, last


@pytest.mark.django_db
def test_two_months_below_the_limit_owe_a_plan_one_month_does_not(city, months):
    earlier, before, _last = months
    _below(city, city.ward_a, earlier)
    _below(city, city.ward_a, before)
    make_score(city.ward_b, start=before, index=60.0, responses=200)  # ward B: only one month below
    rows = plans.overview(units=city.root.subtree())
    owed = [(r.unit.code, r.month) for r in rows if r.owed]
    assert owed == [("00004", before)]


@pytest.mark.django_db
def test_filed_plan_is_overdue_after_its_deadline_unless_the_unit_recovered(city, months):
    earlier, before, last = months
    _below(city, city.ward_a, earlier)
    _below(city, city.ward_a, before)
    plan = services.plan_file(
        unit=city.ward_a,
        user=city.bob,
        trigger_month=before,
        problem="Chờ lâu",
        actions="Thêm quầy",
        owner="Trưởng Bộ phận Một cửa",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    [row] = plans.overview(units=city.root.subtree())
    assert row.plan == plan and not row.owed and not row.overdue and row.recovered is None
    ImprovementPlan.objects.filter(pk=plan.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    [row] = plans.overview(units=city.root.subtree())
    assert row.overdue and row.recovered is None
    _above(city, city.ward_a, last)
    [row] = plans.overview(units=city.root.subtree())
    assert row.recovered is True and not row.overdue


@pytest.mark.django_db
def test_plan_form_refuses_a_past_deadline_and_a_second_plan(client, city, months):
    _earlier, before, _last = months
    client.force_login(city.bob)
    url = f"/manage/plans/00004/{before:%Y-%m}/"
    data = {"problem": "Chờ lâu", "actions": "Thêm quầy", "owner": "Trưởng BPMC"}
    past = client.post(url, {**data, "deadline": "2020-01-01"})
    assert past.status_code == 400 and not ImprovementPlan.objects.exists()
    ok = client.post(url, {**data, "deadline": (timezone.localdate() + timedelta(days=20)).isoformat()})
    assert ok.status_code == 302 and ImprovementPlan.objects.count() == 1
    again = client.post(url, {**data, "deadline": (timezone.localdate() + timedelta(days=20)).isoformat()})
    assert again.status_code == 400 and ImprovementPlan.objects.count() == 1
    assert AuditEvent.objects.filter(action="plan_file").count() == 1


@pytest.mark.django_db
def test_administrators_see_which_units_owe_a_plan(client, city, months):
    earlier, before, _last = months
    _below(city, city.ward_a, earlier)
    _below(city, city.ward_a, before)
    client.force_login(city.dana)
    page = client.get("/manage/plans/").content.decode()
    assert "Phường Ba Đình" in page and f"/manage/plans/00004/{before:%Y-%m}/" in page
    with pytest.raises(ValidationError):
        services.plan_file(
            unit=city.ward_a,
            user=city.bob,
            trigger_month=before,
            problem="",
            actions="x",
            owner="y",
            deadline=timezone.localdate() + timedelta(days=3),
        )


@pytest.mark.django_db
def test_three_months_below_are_one_episode_and_one_plan(city, months):
    _earlier, before, _last = months
    for month in months:
        _below(city, city.ward_a, month)
    rows = plans.overview(units=city.root.subtree())
    assert [(r.unit.code, r.month, r.owed) for r in rows] == [("00004", before, True)]
    services.plan_file(
        unit=city.ward_a,
        user=city.bob,
        trigger_month=before,
        problem="Chờ lâu",
        actions="Thêm quầy",
        owner="Trưởng BPMC",
        deadline=timezone.localdate() + timedelta(days=10),
    )
    [row] = plans.overview(units=city.root.subtree())
    assert not row.owed and row.recovered is False  # still below in the latest month
