"""Abuse review: bursts and identical answer runs are flagged (not dropped); managers see them; an
administrator excludes a flagged batch in one audited action and the scores are recomputed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from agencies.models import AuditEvent
from agencies.tests.factories import make_service_point
from reports import abuse, moderation, queueing
from reports.audit_actions import AuditAction
from reports.models import ModerationEvent, ReviewFlag
from surveys.manage.services import kiosk_register
from surveys.models import Response
from surveys.tests.factories import make_response, make_standard_survey

NOW = timezone.make_aware(datetime(2025, 10, 20, 10, 0))


# --------------------------------------------------------------------------- the window rule, without a database


def _times(*minutes: float) -> list[datetime]:
    return [NOW + timedelta(minutes=m) for m in minutes]


def test_bursts_finds_dense_runs_and_splits_at_quiet_gaps():
    window = timedelta(minutes=10)
    assert abuse.bursts(_times(0, 1, 2, 3), 5, window) == []
    assert abuse.bursts(_times(0, 1, 2, 3, 4), 5, window) == [(0, 4)]
    assert abuse.bursts(_times(0, 1, 2, 3, 4, 30, 31, 32, 33, 34, 35), 5, window) == [(0, 4), (5, 10)]
    # Minute 12 is in the dense window 2..12; minute 15 is in none (6..15 holds only four answers).
    assert abuse.bursts(_times(0, 2, 4, 6, 8, 12, 15), 5, window) == [(0, 5)]
    assert abuse.bursts(_times(0, 20, 40, 60, 80), 2, window) == []


@given(st.lists(st.integers(min_value=0, max_value=600), max_size=40), st.integers(min_value=1, max_value=6))
def test_every_flagged_answer_lies_in_a_dense_window_and_no_dense_window_is_missed(minutes, count):
    times = _times(*sorted(minutes))
    window = timedelta(minutes=10)
    marked = {k for i, j in abuse.bursts(times, count, window) for k in range(i, j + 1)}
    for i, t in enumerate(times):
        in_dense = any(sum(1 for u in times if s <= u <= s + window) >= count and s <= t <= s + window for s in times)
        assert (i in marked) == in_dense


# --------------------------------------------------------------------------- detection


@pytest.fixture
def version(city):
    return make_standard_survey(city.root)


def _answers(
    version,
    unit,
    n,
    *,
    start=NOW,
    every=timedelta(minutes=1),
    client="c1",
    channel="link",
    ratings=None,
    comment="",
    kiosk=None,
):
    ids = []
    for i in range(n):
        rating = ratings if ratings is not None else [1 + (i + k) % 5 for k in range(16)]
        r = make_response(version, unit, rating, channel=channel, submitted_at=start + i * every, comment=comment)
        ids.append(r.pk)
    Response.objects.filter(pk__in=ids).update(client_hash=client, kiosk=kiosk)
    return ids


@pytest.mark.django_db
def test_a_burst_from_one_client_is_flagged_once_and_keeps_counting(city, version):
    ids = _answers(version, city.ward_a, 5)
    _answers(version, city.ward_a, 4, client="c2")  # below the threshold
    abuse.detect(now=NOW + timedelta(minutes=30))
    abuse.detect(now=NOW + timedelta(minutes=31))  # again: nothing new
    flag = ReviewFlag.objects.get()
    assert (flag.kind, flag.unit, flag.count, flag.status) == ("burst_client", city.ward_a, 5, "open")
    assert sorted(flag.responses.values_list("id", flat=True)) == sorted(ids)
    assert not Response.objects.filter(excluded=True).exists()


@pytest.mark.django_db
def test_answers_spread_over_time_are_not_a_burst(city, version):
    _answers(version, city.ward_a, 6, every=timedelta(minutes=15))
    assert abuse.detect(now=NOW + timedelta(hours=2)) == [] and not ReviewFlag.objects.exists()


@pytest.mark.django_db
def test_an_open_flag_grows_with_the_rest_of_the_burst(city, version):
    _answers(version, city.ward_a, 5)
    abuse.detect(now=NOW + timedelta(minutes=6))
    _answers(version, city.ward_a, 3, start=NOW + timedelta(minutes=5))
    abuse.detect(now=NOW + timedelta(minutes=10))
    flag = ReviewFlag.objects.get()
    assert flag.count == 8 and flag.last_at == NOW + timedelta(minutes=7)


@pytest.mark.django_db
def test_a_dismissed_flag_is_not_raised_again_by_stragglers(city, version):
    _answers(version, city.ward_a, 5)
    (flag,) = abuse.detect(now=NOW + timedelta(minutes=6))
    abuse.flag_dismiss(flag_id=flag.pk, user=city.bob, note="lớp học cùng trả lời")
    _answers(version, city.ward_a, 1, start=NOW + timedelta(minutes=6))
    abuse.detect(now=NOW + timedelta(minutes=8))
    assert ReviewFlag.objects.count() == 1


@pytest.mark.django_db
def test_a_kiosk_has_its_own_faster_threshold(city, version, settings):
    kiosk = kiosk_register(service_point=make_service_point(city.ward_a), label="Quầy 3")
    # One citizen a minute at a counter is normal...
    _answers(version, city.ward_a, 8, channel="kiosk", client="dev1", kiosk=kiosk, every=timedelta(minutes=1))
    assert abuse.detect(now=NOW + timedelta(minutes=30)) == []
    # ...eight answers in two minutes is someone tapping away.
    _answers(
        version,
        city.ward_a,
        settings.ABUSE_KIOSK_BURST_COUNT,
        channel="kiosk",
        client="dev1",
        kiosk=kiosk,
        start=NOW + timedelta(minutes=20),
        every=timedelta(seconds=15),
    )
    (flag,) = abuse.detect(now=NOW + timedelta(minutes=30))
    assert (flag.kind, flag.kiosk, flag.count) == ("burst_kiosk", kiosk, 8)


@pytest.mark.django_db
def test_identical_answer_sets_from_different_clients_are_flagged(city, version, settings):
    n = settings.ABUSE_IDENTICAL_COUNT
    same = [5] * 16
    for i in range(n):
        _answers(
            version,
            city.ward_a,
            1,
            start=NOW + timedelta(minutes=3 * i),
            client=f"x{i}",
            ratings=same,
            comment="Rất tốt",
        )
    # The same number of varied answers is not flagged.
    for i in range(n):
        _answers(
            version,
            city.ward_b,
            1,
            start=NOW + timedelta(minutes=3 * i),
            client=f"y{i}",
            ratings=[1 + (i + k) % 5 for k in range(16)],
        )
    flags = abuse.detect(now=NOW + timedelta(hours=1))
    assert [(f.kind, f.unit, f.count) for f in flags] == [("identical", city.ward_a, n)]


@pytest.mark.django_db
def test_the_incremental_rollup_runs_detection(city, version):
    from reports import tasks

    recent = timezone.now() - timedelta(minutes=20)
    _answers(version, city.ward_a, 5, start=recent)
    tasks.rollup_incremental()
    assert ReviewFlag.objects.filter(kind="burst_client", count=5).exists()


# --------------------------------------------------------------------------- decisions


@pytest.fixture
def flagged(city, version):
    ids = _answers(version, city.ward_a, 6)
    (flag,) = abuse.detect(now=NOW + timedelta(minutes=30))
    return flag, ids


@pytest.mark.django_db
def test_administrator_excludes_the_batch_in_one_action_audited_and_recomputed(
    client, city, flagged, monkeypatch, django_capture_on_commit_callbacks
):
    flag, ids = flagged
    moderation.response_exclude(response_id=ids[0], user=city.bob, reason="thử")  # one already excluded by hand
    queued = []
    monkeypatch.setattr(queueing, "_send_rollup", lambda: queued.append(1))
    client.force_login(city.dana)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "exclude", "reason": "bot"})
    assert response.status_code == 302 and response["Location"].endswith("/manage/moderation/#flags")
    assert Response.objects.filter(pk__in=ids, excluded=True).count() == 6
    assert queued == [1]  # one rollup for the whole batch
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == ("excluded", city.dana)
    assert ModerationEvent.objects.filter(actor=city.dana, action="exclude").count() == 5
    event = AuditEvent.objects.get(action=AuditAction.FLAG_BATCH_EXCLUDE)
    assert (event.actor, event.unit, event.details["excluded"], event.details["flagged"]) == (
        city.dana,
        city.ward_a,
        5,
        6,
    )
    assert AuditEvent.objects.filter(action=AuditAction.RESPONSE_EXCLUDE, actor=city.dana).count() == 5
    page = client.get("/manage/moderation/").content.decode()
    assert "Nothing is flagged" in page or "Không có gì bị đánh dấu" in page


@pytest.mark.django_db
def test_a_manager_may_dismiss_but_not_exclude_a_batch(client, city, flagged):
    flag, _ids = flagged
    client.force_login(city.bob)
    page = client.get("/manage/moderation/").content.decode()
    assert f"/manage/moderation/flags/{flag.pk}/" in page and 'value="exclude"' not in page
    assert client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "exclude"}).status_code == 403
    assert not Response.objects.filter(excluded=True).exists()
    response = client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "dismiss", "note": "  "}, follow=True)
    assert ReviewFlag.objects.get().status == "open"
    body = response.content.decode()
    assert "Say why these answers are genuine" in body or "Hãy nêu lý do các phiếu này là thật" in body
    client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "dismiss", "note": "hội nghị tiếp dân"})
    assert ReviewFlag.objects.get().status == "dismissed"
    assert AuditEvent.objects.filter(action=AuditAction.FLAG_DISMISS, actor=city.bob).exists()
    # Deciding twice is explained, not an error page.
    response = client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "dismiss", "note": "again"}, follow=True)
    assert response.status_code == 200


@pytest.mark.django_db
def test_flags_are_shown_only_within_the_units_one_manages(client, city, flagged):
    flag, ids = flagged
    client.force_login(city.bob)
    listing = client.get(f"/manage/moderation/?flag={flag.pk}")
    assert listing.status_code == 200 and listing.content.decode().count("/manage/moderation/") >= len(ids)
    assert client.get("/manage/moderation/?flag=abc").status_code == 200
    client.force_login(city.charlie)
    assert client.get("/manage/moderation/").status_code == 403
    assert client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "dismiss", "note": "x"}).status_code in (
        403,
        404,
    )
    assert ReviewFlag.objects.get().status == "open"


@pytest.mark.django_db
def test_an_unknown_decision_gets_a_message(client, city, flagged):
    flag, _ids = flagged
    client.force_login(city.dana)
    response = client.post(f"/manage/moderation/flags/{flag.pk}/", {"action": "drop-table"}, follow=True)
    assert response.status_code == 200 and ReviewFlag.objects.get().status == "open"
    assert client.post("/manage/moderation/flags/999999/", {"action": "dismiss", "note": "x"}).status_code == 404


@pytest.mark.django_db
def test_flags_are_listed_read_only_in_the_admin(client, city, flagged):
    flag, _ids = flagged
    city.dana.is_staff = city.dana.is_superuser = True
    city.dana.save()
    client.force_login(city.dana)
    assert client.get("/admin/reports/reviewflag/?status=open").status_code == 200
    assert client.get(f"/admin/reports/reviewflag/{flag.pk}/change/").status_code == 200
    assert client.post(f"/admin/reports/reviewflag/{flag.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ReviewFlag.objects.filter(pk=flag.pk, status="open").exists()


@pytest.mark.django_db
def test_a_second_detection_at_the_same_time_skips_instead_of_doubling_flags(city, version):
    from django.core.cache import cache

    recent = timezone.now() - timedelta(minutes=20)
    _answers(version, city.ward_a, 5, start=recent)
    cache.add(abuse.DETECT_LOCK, "1")  # another worker is detecting
    try:
        assert abuse.detect_unless_running() is None and not ReviewFlag.objects.exists()
    finally:
        cache.delete(abuse.DETECT_LOCK)
    assert len(abuse.detect_unless_running()) == 1
    assert cache.get(abuse.DETECT_LOCK) is None  # released
