"""End to end: responses → rollup → dashboard numbers; a moderation exclusion → recomputed numbers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from reports import rollup
from reports.anonymity import reference as ref
from surveys.tests.factories import make_response, make_standard_survey

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def eager_celery():
    """The embedded mode (no broker): the rollup queued by the moderation runs in-process. Set on the
    Celery app itself, whose configuration another test of the same process may have changed."""
    from celery import current_app

    saved = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = saved


@pytest.mark.anydb
@pytest.mark.django_db(transaction=True)
def test_responses_rollup_and_moderation_reach_the_dashboard(client, city, settings, eager_celery):
    settings.LANGUAGE_CODE = "en"
    # Sign-in lockout is not under test here; its login log stores the client address, which
    # force_login's bare request lacks (PostgreSQL's inet column refuses "unknown").
    settings.AXES_ENABLED = False
    version = make_standard_survey(city.root)
    when = datetime(2025, 10, 15, 10, 0, tzinfo=HANOI)
    # 40 responses all 5, 20 all 3, 24 all 2: SIPAS = 40/84 = 47.6 %, Decision 766 = 60/84 = 71.4 %.
    # (Half as many would be hidden: answers that agree within each response are 42 answers' worth,
    # and the 95% interval of 42 at 48 % is over 30 points wide — the presentation rule, issue 14.)
    for value, count in ((5, 40), (3, 20), (2, 24)):
        for _ in range(count):
            last = make_response(version, city.ward_a, [value] * 16, submitted_at=when)
    rollup.rollup_run(mode="full")
    client.force_login(city.alice)
    html = client.get("/units/00004/", {"period": "2025-10"}).content.decode()
    assert "47.6" in html and "71.4" in html
    assert 'data-testid="responses">84<' in html

    # Bob excludes one of the "2" responses: 40/83 = 48.2 %, 60/83 = 72.3 %.
    client.force_login(city.bob)
    response = client.post(f"/manage/moderation/{ref(last.pk)}/", {"action": "exclude", "reason": "duplicate"})
    assert response.status_code == 302
    client.force_login(city.alice)
    html = client.get("/units/00004/", {"period": "2025-10"}).content.decode()
    assert "48.2" in html and "72.3" in html
    assert 'data-testid="responses">83<' in html
    # The city's subtree counts ward A's answers too.
    client.force_login(city.dana)
    assert "48.2" in client.get("/units/01/", {"period": "2025-10"}).content.decode()
