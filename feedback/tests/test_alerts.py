"""Alerts by e-mail on a real SMTP server: falls, funnel, low-rated comments; once; with backoff."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback import alerts, tasks
from feedback.models import AlertDelivery, AlertPreference
from reports.anonymity import reference
from reports.tests.factories import make_score, make_unit_scores
from surveys.tests.factories import make_response, make_standard_survey

# Runs in the PostgreSQL session too: the outbox key, the claim UPDATE and the date lookups.
pytestmark = pytest.mark.anydb


@pytest.fixture
def people(city):
    for user, address in ((city.bob, "bob@phuong-badinh.example"), (city.dana, "dana@hanoi.example")):
        user.email = address
        user.save(update_fields=["email"])
    city.alice.email = "alice@phuong-badinh.example"  # staff: never an alert
    city.alice.save(update_fields=["email"])
    city.month = timezone.localdate().replace(day=1)
    return city


def _fall(city, change=-9.5, significant=True, responses=60, responses_before=55):
    make_unit_scores(city.root, start=city.month, index=86.0, responses=400)
    before = (city.month - timedelta(days=1)).replace(day=1)
    make_score(city.ward_a, start=before, index=80.5, responses=responses_before)
    return make_score(
        city.ward_a, start=city.month, index=71.0, responses=responses, change=change, significant=significant
    )


@pytest.mark.django_db
def test_significant_fall_reaches_the_units_managers_on_the_smtp_server(people, smtp_server):
    _fall(people)
    assert alerts.detect_all() == 2  # bob (manager of ward A) and dana (administrator of the city)
    assert alerts.send_due() == {"sent": 2, "retry": 0, "failed": 0}
    to_bob = smtp_server.to("bob@phuong-badinh.example")
    assert len(to_bob) == 1 and not smtp_server.to("alice@phuong-badinh.example")
    mail = to_bob[0]
    assert "Phường Ba Đình" in mail["Subject"] and "giảm" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "71,0%" in text and "-9,5" in text and "/units/00004/" in text  # Vietnamese decimal comma
    assert "<a href=" in html and "/units/00004/" in html


@pytest.mark.django_db
def test_a_change_that_is_not_significant_or_has_too_few_answers_is_no_alert(people, smtp_server):
    _fall(people, significant=False)
    assert alerts.detect_all() == 0
    people.ward_b_score = make_score(people.ward_b, start=people.month, index=60, responses=12, change=-20)
    assert alerts.detect_all() == 0


@pytest.mark.django_db
def test_no_fall_alert_when_the_previous_month_had_too_few_answers(people, smtp_server):
    _fall(people, responses_before=12)  # even if a stored row says "significant"
    assert alerts.detect_all() == 0


@pytest.mark.django_db
def test_a_retried_detection_never_sends_the_same_alert_twice(people, smtp_server):
    _fall(people)
    for _ in range(3):  # the task retried, beat and the after-rollup hook all running it
        tasks.after_rollup.apply()
    alerts.send_due()
    assert len(smtp_server.to("bob@phuong-badinh.example")) == 1
    assert AlertDelivery.objects.filter(kind="fall").count() == 2


@pytest.mark.django_db
def test_comments_rated_1_or_2_alert_once_a_day_per_unit_without_quoting_or_pointing_at_one(people, smtp_server):
    version = make_standard_survey(people.root)
    yesterday = timezone.now() - timedelta(days=1)
    first = make_response(
        version,
        people.ward_a,
        [1] * 16,
        comment="Cán bộ quát nạt, số tôi [***] ở ngõ 5 Đội Cấn",
        submitted_at=yesterday,
    )
    make_response(version, people.ward_a, [2] * 16, comment="Chờ lâu quá", submitted_at=yesterday)
    make_response(version, people.ward_a, [4] * 16, comment="Tốt", submitted_at=yesterday)
    make_response(version, people.ward_a, [1] * 16, comment="Hôm nay cũng tệ")  # today: not before the day is over
    alerts.detect_all()
    alerts.detect_all()  # a retried detection adds nothing
    alerts.send_due()
    mails = smtp_server.to("bob@phuong-badinh.example")
    assert len(mails) == 1, "one mail for the unit and the day, not one per comment"
    text = mails[0].get_body(("plain",)).get_content()
    assert ": 2." in text  # the two low-rated comments of yesterday
    day = timezone.localdate(yesterday)
    assert f"/manage/moderation/?month={day:%Y-%m}" in text
    # nothing that singles out one response: no quote, no time, no link to one response's page
    assert "quát" not in text and "Đội Cấn" not in text
    assert timezone.localtime(first.submitted_at).strftime("%H:%M") not in text
    assert reference(first.pk) not in text


@pytest.mark.django_db
def test_a_person_who_turned_an_alert_off_does_not_get_it(people, smtp_server):
    AlertPreference.objects.create(user=people.bob, fall=False)
    _fall(people)
    alerts.detect_all()
    alerts.send_due()
    assert not smtp_server.to("bob@phuong-badinh.example")
    assert len(smtp_server.to("dana@hanoi.example")) == 1


@pytest.mark.django_db
def test_alerts_come_in_the_persons_language(people, smtp_server):
    AlertPreference.objects.create(user=people.dana, language="en")
    _fall(people)
    alerts.detect_all()
    alerts.send_due()
    assert "fell significantly" in smtp_server.to("dana@hanoi.example")[0]["Subject"]
    assert "giảm" in smtp_server.to("bob@phuong-badinh.example")[0]["Subject"]


@pytest.mark.django_db
def test_smtp_down_is_retried_with_backoff_then_given_up(people, smtp_down):
    _fall(people)
    alerts.detect_all()
    now = timezone.now()
    assert alerts.send_due(now=now) == {"sent": 0, "retry": 2, "failed": 0}
    row = AlertDelivery.objects.get(user=people.bob)
    assert row.status == "pending" and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at == now + alerts.BACKOFF[0]
    # not due yet: nothing is tried
    assert alerts.send_due(now=now + timedelta(seconds=30)) == {"sent": 0, "retry": 0, "failed": 0}
    later = now
    for attempt in range(2, alerts.MAX_ATTEMPTS + 1):
        later = later + timedelta(days=1)
        alerts.send_due(now=later)
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == "failed"
    gaps = [alerts.BACKOFF[i] for i in range(len(alerts.BACKOFF))]
    assert gaps == sorted(gaps)  # each wait at least as long as the one before


@pytest.mark.django_db
def test_a_bounced_address_is_retried_and_others_still_get_their_mail(people, smtp_server):
    smtp_server.refuse.add("bob@phuong-badinh.example")
    _fall(people)
    alerts.detect_all()
    counts = alerts.send_due()
    assert counts == {"sent": 1, "retry": 1, "failed": 0}
    assert len(smtp_server.to("dana@hanoi.example")) == 1
    bounced = AlertDelivery.objects.get(user=people.bob)
    assert bounced.status == "pending" and "550" in bounced.last_error
    smtp_server.refuse.clear()
    alerts.send_due(now=timezone.now() + timedelta(minutes=2))
    assert len(smtp_server.to("bob@phuong-badinh.example")) == 1


@pytest.mark.django_db
def test_the_rollup_succeeds_and_returns_while_smtp_is_down(people, smtp_down):
    from reports import tasks as report_tasks
    from reports.models import RollupRun

    version = make_standard_survey(people.root)
    make_response(
        version, people.ward_a, [1] * 16, comment="Chờ 3 tiếng", submitted_at=timezone.now() - timedelta(days=1)
    )
    result = report_tasks.rollup_incremental.apply()
    assert result.successful()
    assert RollupRun.objects.get(pk=result.result).status == RollupRun.Status.SUCCEEDED
    # the after-rollup hook ran: the comment is tagged and its alert waits in the outbox
    row = AlertDelivery.objects.get(user=people.bob, kind="low_comment")
    assert row.status == "pending" and row.attempts == 1


@pytest.mark.django_db
def test_funnel_alert_for_a_unit_below_the_lower_limit(people, smtp_server):
    from datetime import date

    from feedback import funnel

    last_month = (people.month - timedelta(days=1)).replace(day=1)
    make_score(people.root, start=last_month, index=88.0, responses=2000)
    low = make_score(people.ward_a, start=last_month, index=60.0, responses=200)
    # sums consistent with a clustered ratio: every response rated 5 answers, 3 of them satisfied
    low.sum_x2, low.sum_y2_sipas, low.sum_xy_sipas = 200 * 25, 200 * 9, 200 * 15
    low.save()
    assert funnel.below_lower_limit(unit=people.ward_a, month=last_month) is True
    assert funnel.below_lower_limit(unit=people.root, month=last_month) is None
    assert funnel.below_lower_limit(unit=people.ward_b, month=date(2020, 1, 1)) is None
    alerts.detect_all()
    alerts.send_due()
    subjects = [m["Subject"] for m in smtp_server.to("bob@phuong-badinh.example")]
    assert any("giới hạn kiểm soát dưới" in s for s in subjects)


@pytest.mark.django_db
def test_the_unit_alerted_is_exactly_the_unit_below_on_compare(people, client):
    """One funnel: the class on /compare/ decides the alert and the plan (reports.fairness).

    Ward B (r = 0.693 at n_eff = 100) is below the 95 % limit 0.7216 but inside the 99.8 % one
    0.6764: /compare/ shows it below expected, so it is alerted (feedback's former 99.8 % rule
    would not have alerted it). Ward A (r = 0.901) is above.
    """
    from feedback import funnel

    last_month = (people.month - timedelta(days=1)).replace(day=1)

    def score(unit, n, k):
        return make_score(
            unit,
            start=last_month,
            index=100.0 * k / n,
            responses=n,
            sum_x2=25 * n,
            sum_y2_sipas=25 * k,
            sum_xy_sipas=25 * k,
        )

    score(people.root, 500, 400)
    score(people.ward_a, 101, 91)
    score(people.ward_b, 101, 70)
    score(people.centre_a, 41, 33)
    client.force_login(people.dana)
    classes = {}
    for parent in (people.root, people.ward_a):  # each unit on its own parent's funnel
        html = client.get("/compare/", {"period": f"{last_month:%Y-%m}", "parent": parent.code}).content.decode()
        found = re.findall(
            r'/units/([0-9A-Z-]+)/.*?data-testid="classification"><span class="cls-badge cls-(\w+)', html, re.DOTALL
        )
        classes.update(found)
    assert classes[people.ward_b.code] == "below" and classes[people.ward_a.code] == "above"
    # the one-stop shop (r = 0.805, n_eff = 40) lies below ward A's 95 % limit 0.8085 on ward A's funnel
    assert classes[people.centre_a.code] == "below"
    below_on_compare = {u.pk for u in (people.ward_a, people.ward_b, people.centre_a) if classes[u.code] == "below"}
    assert set(funnel.units_below(month=last_month)) == below_on_compare == {people.ward_b.pk, people.centre_a.pk}
    assert funnel.below_lower_limit(unit=people.ward_b, month=last_month) is True
    assert funnel.below_lower_limit(unit=people.ward_a, month=last_month) is False
    assert alerts.detect_funnel(month=last_month) >= 1
    alerted = set(AlertDelivery.objects.filter(kind="funnel").values_list("unit_id", flat=True))
    assert alerted == {people.ward_b.pk, people.centre_a.pk}
