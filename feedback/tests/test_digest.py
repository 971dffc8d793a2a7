"""The weekly digest by Celery beat: HTML and text, figures and topic counts, nothing about a citizen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from feedback import digest, services, tasks
from feedback.models import AlertDelivery, AlertPreference
from reports.tests.factories import make_unit_scores
from surveys.tests.factories import make_receipt, make_response, make_standard_survey


def test_the_digest_is_in_the_beat_schedule_every_monday():
    entry = settings.CELERY_BEAT_SCHEDULE["feedback-weekly-digest"]
    assert entry["task"] == "feedback.tasks.weekly_digest" == tasks.weekly_digest.name
    assert entry["schedule"].day_of_week == {1}


def test_week_keys_are_iso_weeks():
    from datetime import date

    assert digest.week_key(date(2025, 10, 26)) == "2025-W43"
    assert digest.week_bounds("2025-W43") == (date(2025, 10, 20), date(2025, 10, 26))


@pytest.fixture
def last_week(city):
    city.bob.email = "bob@phuong-badinh.example"
    city.bob.save(update_fields=["email"])
    city.dana.email = "dana@hanoi.example"
    city.dana.save(update_fields=["email"])
    today = timezone.localdate()
    monday = today - timedelta(days=today.isoweekday() - 1) - timedelta(days=7)
    city.when = timezone.make_aware(timezone.datetime.combine(monday + timedelta(days=2), timezone.datetime.min.time()))
    city.when += timedelta(hours=9, minutes=17)
    version = make_standard_survey(city.root)
    receipt = make_receipt(city.ward_a, issued_at=city.when - timedelta(hours=1))
    receipt.used_at = city.when
    receipt.save(update_fields=["used_at"])
    make_response(
        version, city.ward_a, [2] * 16, comment="Chờ hơn 2 tiếng, cán bộ Nguyễn Văn A cáu gắt", submitted_at=city.when
    )
    make_response(version, city.ward_a, [4] * 16, comment="Lệ phí rõ ràng", submitted_at=city.when)
    services.tag_comments()
    make_unit_scores(city.ward_a, start=city.when.date().replace(day=1), index=84.0, change=2.5)
    return city


@pytest.mark.django_db
def test_weekly_digest_arrives_with_html_and_text_and_no_citizen_detail(last_week, smtp_server):
    created = tasks.weekly_digest.apply().result
    assert created == 2  # bob for ward A, dana for the city
    mails = smtp_server.to("bob@phuong-badinh.example")
    assert len(mails) == 1
    mail = mails[0]
    assert "Bản tin tuần" in mail["Subject"] and "Phường Ba Đình" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert "84,0%" in part  # the index
        assert "thời gian chờ: 1" in part.replace("</li>", "").replace("<li>", "")
        assert "/units/00004/" in part and "/units/00004/comments/" in part
        assert "Nguyễn Văn A" not in part and "Chờ hơn" not in part
        assert "9:17" not in part and "09:17" not in part
    assert "Tỷ lệ phiếu hẹn được đánh giá" in text and "100,0%" in text


@pytest.mark.django_db
def test_the_digest_is_sent_once_per_week_and_respects_the_setting(last_week, smtp_server):
    AlertPreference.objects.create(user=last_week.dana, digest=False)
    tasks.weekly_digest.apply()
    tasks.weekly_digest.apply()
    assert len(smtp_server.to("bob@phuong-badinh.example")) == 1
    assert not smtp_server.to("dana@hanoi.example")
    assert AlertDelivery.objects.filter(kind="digest").count() == 1
