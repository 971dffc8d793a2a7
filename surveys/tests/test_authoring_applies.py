"""Which survey applies, as authoring changes it (issue 4, items 5–6), and concurrent edits on PostgreSQL.

The rule: the published survey of the nearest unit in the ancestry (the unit's own, else its
parent's, … else the city standard) whose opening window contains the moment; opens_at is
inclusive, closes_at exclusive. Drafts and closed versions never apply.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from surveys.authoring import services
from surveys.models import SurveyVersion
from surveys.selectors import applicable_version
from surveys.tests.factories import make_receipt, make_standard_survey

pytestmark = [pytest.mark.django_db, pytest.mark.anydb]


@pytest.fixture
def standard(city):
    return make_standard_survey(city.root)


def own_survey(unit, **window):
    draft = services.survey_create(owner=unit, user=None, from_standard=True, title_vi=f"Riêng {unit.code}")
    if window:
        draft = services.version_update(
            version=draft,
            user=None,
            revision=draft.revision,
            title_vi=draft.title_vi,
            title_en="",
            intro_vi="",
            intro_en="",
            **window,
        )
    return draft


def publish(version):
    version.refresh_from_db()
    return services.version_publish(version=version, user=None, revision=version.revision)


def test_a_draft_never_applies_and_citizens_never_see_it(client, city, standard):
    own_survey(city.ward_a)
    assert applicable_version(unit=city.ward_a) == standard
    receipt = make_receipt(city.ward_a)
    html = client.get(f"/r/{receipt.display_code}/").content.decode()
    assert "Riêng 00004" not in html and standard.title_vi in html


def test_an_open_link_to_a_survey_with_only_a_draft_shows_nothing_of_it(client, city, standard):
    draft = services.survey_create(
        owner=city.ward_a, user=None, from_standard=True, title_vi="Bản nháp bí mật", allow_open_link=True
    )
    response = client.get(f"/s/{draft.survey.slug}/{city.ward_a.code}/")
    assert response.status_code in (404, 410)
    assert "Bản nháp bí mật" not in response.content.decode()


def test_publishing_applies_to_the_subtree_and_closing_falls_back_to_the_parent(city, standard):
    ward = publish(own_survey(city.ward_a))
    assert applicable_version(unit=city.ward_a) == ward
    assert applicable_version(unit=city.centre_a) == ward  # a sub-unit without its own survey
    assert applicable_version(unit=city.ward_b) == standard  # a sibling is not affected
    centre = publish(own_survey(city.centre_a))
    assert applicable_version(unit=city.centre_a) == centre  # the nearest wins
    services.version_close(version=centre, user=None)
    assert applicable_version(unit=city.centre_a) == ward
    services.version_close(version=ward, user=None)
    assert applicable_version(unit=city.centre_a) == standard


def test_a_new_version_replaces_the_old_one_only_once_published(city, standard):
    v1 = publish(own_survey(city.ward_a))
    v2 = services.version_new(survey=v1.survey, user=None)
    assert applicable_version(unit=city.ward_a) == v1
    v2 = publish(v2)
    assert applicable_version(unit=city.ward_a) == v2
    assert SurveyVersion.objects.get(pk=v1.pk).status == SurveyVersion.Status.CLOSED


def test_the_window_bounds_are_opens_inclusive_and_closes_exclusive(city, standard):
    opens = timezone.now() + timedelta(days=1)
    closes = opens + timedelta(days=7)
    ward = publish(own_survey(city.ward_a, opens_at=opens, closes_at=closes))
    assert applicable_version(unit=city.ward_a, moment=opens - timedelta(seconds=1)) == standard
    assert applicable_version(unit=city.ward_a, moment=opens) == ward
    assert applicable_version(unit=city.ward_a, moment=closes - timedelta(seconds=1)) == ward
    assert applicable_version(unit=city.ward_a, moment=closes) == standard


def test_successive_windows_of_one_unit_hand_over_without_overlap(city, standard):
    now = timezone.now()
    spring = publish(own_survey(city.ward_a, opens_at=None, closes_at=now + timedelta(days=30)))
    autumn = publish(own_survey(city.ward_a, opens_at=now + timedelta(days=30), closes_at=None))
    assert applicable_version(unit=city.ward_a, moment=now) == spring
    assert applicable_version(unit=city.ward_a, moment=now + timedelta(days=30)) == autumn


def test_rescheduling_a_published_version_changes_what_applies(city, standard):
    ward = publish(own_survey(city.ward_a))
    services.version_schedule(version=ward, user=None, opens_at=None, closes_at=timezone.now() - timedelta(minutes=1))
    assert applicable_version(unit=city.ward_a) == standard


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_draft_on_postgresql_lose_nothing_silently(city):
    """Eight editors add a question against the same revision at once: exactly one succeeds."""
    draft = services.survey_create(owner=city.ward_a, user=None, from_standard=False, title_vi="Đua")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def editor(n: int) -> None:
        try:
            barrier.wait()
            services.question_add(version=draft, user=None, revision=draft.revision, kind="text", text_vi=f"Câu {n}")
            outcomes.append("saved")
        except services.StaleRevision:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved"] + ["stale"] * 7
    draft.refresh_from_db()
    assert draft.questions.count() == 1 and draft.revision == 1
