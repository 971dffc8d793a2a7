"""The standing audit (issue 14): a small city is rolled up, then driven through the paths an
administrator uses on a busy day — the moderation pages, the Django admin, the shell, a change of
the method settings — and after every step every Score row is compared with an independent
plain-Python recomputation from the raw answers (reports/tests/test_rollup_reference.py, which
shares no code with the rollup), the per-channel figures with their own recomputation, and the API
with the stored rows. Runs on SQLite and on PostgreSQL (anydb)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from reports import rollup
from reports.anonymity import reference
from reports.channels import channel_breakdown
from reports.models import Score
from reports.tests.test_rollup_reference import _korn_graubard, assert_matches_reference, random_responses
from surveys.models import Answer, Response
from surveys.tests.factories import make_standard_survey

YEAR = date(2025, 1, 1)


def _channel_reference(unit_ids: set[int], first: date, last: date) -> dict[str, dict]:
    """Per channel: responses, rated answers, SIPAS index and interval, straight from the answers."""
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    rated = defaultdict(list)
    for a in Answer.objects.filter(kind="rating", value__isnull=False):
        rated[a.response_id].append(a.value)
    for r in Response.objects.filter(excluded=False, unit_id__in=unit_ids):
        day = timezone.localtime(r.submitted_at).date()
        values = rated.get(r.pk)
        if values and first <= day <= last:
            pairs[r.channel].append((len(values), sum(v >= 4 for v in values)))
    result = {}
    for channel, rows in pairs.items():
        n, sx, sy = len(rows), sum(x for x, _ in rows), sum(y for _, y in rows)
        r = sy / sx
        low = high = None
        if n >= 2:
            var = n / (n - 1) * sum((y - r * x) ** 2 for x, y in rows) / sx**2
            low, high, _n_eff = _korn_graubard(r, var, sx)
        result[channel] = {"responses": n, "answers": sx, "index": 100 * r, "low": low, "high": high}
    return result


def _check_channels(city) -> None:
    subtree = {u.pk for u in type(city.root).objects.filter(path__startswith=city.root.path)}
    want = _channel_reference(subtree, YEAR, date(2025, 12, 31))
    got = {c.channel: c for c in channel_breakdown(city.root, scope="subtree", first=YEAR, last=date(2025, 12, 31))}
    for channel, figures in got.items():
        expected = want.get(channel)
        if expected is None:
            assert figures.responses == 0, channel
            continue
        assert (figures.responses, figures.answers) == (expected["responses"], expected["answers"]), channel
        assert figures.estimate_sipas.index == pytest.approx(expected["index"], abs=1e-9)
        if expected["low"] is not None:
            assert figures.estimate_sipas.ci_low == pytest.approx(100 * expected["low"], abs=1e-9)
            assert figures.estimate_sipas.ci_high == pytest.approx(100 * expected["high"], abs=1e-9)
        assert figures.official == (channel != "link" or settings.INCLUDE_OPEN_LINK_IN_SCORES)
    assert got["link"].responses > 0  # open-link answers are reported, whatever the setting


def _check_api(client, city) -> None:
    body = client.get("/api/v1/scores/", {"unit": city.root.code, "period": "2025", "scope": "subtree"}).json()
    row = body["results"][0]
    stored = Score.objects.in_scope("subtree").get(
        unit=city.root, period_type="year", period_start=YEAR, dimension=None, procedure=None
    )
    assert row["responses"] == stored.responses
    if row["sipas"]["presentation"] != "suppressed":
        assert row["sipas"]["index"] == pytest.approx(stored.index_sipas)
    assert row["method"]["open_link_included"] == settings.INCLUDE_OPEN_LINK_IN_SCORES
    channels = client.get("/api/v1/channels/", {"unit": city.root.code, "period": "2025"}).json()["results"]
    assert {c["channel"] for c in channels} == {"receipt", "kiosk", "link", "online"}


def audit(client, city) -> None:
    assert_matches_reference()
    _check_channels(city)
    _check_api(client, city)


@pytest.mark.anydb
@pytest.mark.django_db
def test_every_path_around_the_rollup_keeps_every_published_number_true(city, client, settings):
    settings.ROLLUP_WATERMARK_OVERLAP_SECONDS = 0
    version = make_standard_survey(city.root)
    rng = random.Random(2025)
    made = random_responses(city, version, rng, 260, [None], date(2024, 11, 15), 400)
    root = get_user_model().objects.create_superuser("root", "root@example.org", city.password)
    client.force_login(root)

    rollup.rollup_run(mode="full")
    audit(client, city)

    def incremental():
        run = rollup.rollup_run(mode="incremental")
        assert run.status == "succeeded"
        return run

    counted = [r for r in made if r.channel != "link"]
    # 1. The moderation page: exclude two responses, count one again.
    for response in counted[:2]:
        page = client.post(f"/manage/moderation/{reference(response.pk)}/", {"action": "exclude", "reason": "spam"})
        assert page.status_code == 302
    incremental()
    audit(client, city)
    client.post(f"/manage/moderation/{reference(counted[0].pk)}/", {"action": "include", "note": "a real citizen"})
    incremental()
    audit(client, city)

    # 2. The Django admin: exclude one, delete one, delete two more in bulk.
    admin_form = {"language": "vi", "comment": "", "answers-TOTAL_FORMS": "0", "answers-INITIAL_FORMS": "0"}
    page = client.post(
        f"/admin/surveys/response/{counted[3].pk}/change/",
        {**admin_form, "excluded": "on", "moderation_reason": "test answer"},
    )
    assert page.status_code == 302
    assert client.post(f"/admin/surveys/response/{counted[4].pk}/delete/", {"post": "yes"}).status_code == 302
    page = client.post(
        "/admin/surveys/response/",
        {"action": "delete_selected", "_selected_action": [counted[5].pk, counted[6].pk], "post": "yes"},
    )
    assert page.status_code == 302
    incremental()
    audit(client, city)

    # 3. The shell, without any service: raw statements that bump nothing.
    Response.objects.filter(pk=counted[7].pk).update(excluded=True)
    Answer.objects.filter(response=counted[8], value__isnull=False).update(value=1)
    Response.objects.filter(pk=counted[9].pk).update(unit=city.ward_b)
    incremental()
    audit(client, city)

    # 4. A method setting changes: the next incremental run recomputes everything.
    settings.INCLUDE_OPEN_LINK_IN_SCORES = not settings.INCLUDE_OPEN_LINK_IN_SCORES
    assert incremental().mode == "full"
    audit(client, city)
    settings.MIN_RESPONSES_FOR_RANKING = 10
    assert incremental().mode == "full"
    audit(client, city)

    # 5. Back to the defaults, and a quiet run changes nothing.
    settings.INCLUDE_OPEN_LINK_IN_SCORES = not settings.INCLUDE_OPEN_LINK_IN_SCORES
    settings.MIN_RESPONSES_FOR_RANKING = 30
    assert incremental().mode == "full"
    before = list(Score.objects.order_by("pk").values_list("pk", "responses", "ci_low_sipas"))
    assert incremental().keys_recomputed == 0
    assert list(Score.objects.order_by("pk").values_list("pk", "responses", "ci_low_sipas")) == before
    audit(client, city)
