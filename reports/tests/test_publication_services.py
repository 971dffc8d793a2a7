"""Open-data publication services (reports.publications): each write is one transaction that
leaves one audit record, or — failing anywhere — nothing at all; the view only calls them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import AuditEvent
from reports import publications
from reports.audit_actions import AuditAction
from reports.models import OpenDataPublication
from reports.selectors import Period
from reports.tests.factories import make_unit_scores

pytestmark = [pytest.mark.django_db, pytest.mark.anydb]

OCT = Period("month", date(2025, 10, 1))


@pytest.fixture
def scored(city):
    make_unit_scores(city.ward_a, start=OCT.start, index=90.0)
    make_unit_scores(city.ward_b, start=OCT.start, index=80.0)
    return city


def _draft(city) -> OpenDataPublication:
    return publications.publication_create(unit=city.root, period=OCT, user=city.dana, note="Kỳ tháng 10")


def _boom(*args, **kwargs):
    raise RuntimeError("the audit log is unavailable")


def _only_event(action: str) -> AuditEvent:
    (event,) = AuditEvent.objects.filter(action=action)
    return event


def test_creating_a_draft_is_audited(scored):
    publication = _draft(scored)
    event = _only_event(AuditAction.PUBLICATION_CREATE)
    assert (event.actor, event.unit, event.object_id) == (scored.dana, scored.root, str(publication.pk))
    assert event.details["period"] == "2025-10" and event.object_label == "01 2025-10"


def test_publishing_freezes_the_rows_and_is_audited(scored):
    publication = publications.publication_publish(publication=_draft(scored), user=scored.dana)
    assert publication.status == "published" and [r["code"] for r in publication.rows][:2] == ["00004", "00008"]
    event = _only_event(AuditAction.PUBLICATION_PUBLISH)
    assert (event.actor, event.details["rows"], event.details["again"]) == (scored.dana, len(publication.rows), False)


def test_withdrawing_is_audited_and_only_for_a_published_ranking(scored):
    draft = _draft(scored)
    with pytest.raises(ValidationError):
        publications.publication_withdraw(publication=draft, user=scored.dana)
    publications.publication_publish(publication=draft, user=scored.dana)
    publications.publication_withdraw(publication=draft, user=scored.dana)
    assert OpenDataPublication.objects.get().status == "withdrawn"
    assert _only_event(AuditAction.PUBLICATION_WITHDRAW).unit == scored.root


def test_deleting_is_audited_and_never_for_a_published_ranking(scored):
    draft = _draft(scored)
    publications.publication_publish(publication=draft, user=scored.dana)
    with pytest.raises(ValidationError):
        publications.publication_delete(publication=draft, user=scored.dana)
    publications.publication_withdraw(publication=draft, user=scored.dana)
    publications.publication_delete(publication=draft, user=scored.dana)
    assert not OpenDataPublication.objects.exists()
    event = _only_event(AuditAction.PUBLICATION_DELETE)
    assert (event.object_label, event.details["status"]) == ("01 2025-10", "withdrawn")


def test_only_an_administrator_of_the_unit_writes(scored):
    with pytest.raises(PermissionDenied):
        publications.publication_create(unit=scored.root, period=OCT, user=scored.bob)
    draft = _draft(scored)
    for service in (
        publications.publication_publish,
        publications.publication_withdraw,
        publications.publication_delete,
    ):
        with pytest.raises(PermissionDenied):
            service(publication=draft, user=scored.bob)
    assert OpenDataPublication.objects.get().status == "draft"
    assert AuditEvent.objects.count() == 1  # the creation only


def test_a_failed_audit_leaves_no_draft(scored, monkeypatch):
    monkeypatch.setattr(publications.audit, "record", _boom)
    with pytest.raises(RuntimeError):
        _draft(scored)
    assert not OpenDataPublication.objects.exists()


def test_a_failed_audit_leaves_the_draft_unpublished(scored, monkeypatch):
    draft = _draft(scored)
    monkeypatch.setattr(publications.audit, "record", _boom)
    with pytest.raises(RuntimeError):
        publications.publication_publish(publication=draft, user=scored.dana)
    stored = OpenDataPublication.objects.get()
    assert (stored.status, stored.rows, stored.published_at) == ("draft", [], None)


def test_a_failed_audit_leaves_the_ranking_published(scored, monkeypatch):
    draft = _draft(scored)
    publications.publication_publish(publication=draft, user=scored.dana)
    monkeypatch.setattr(publications.audit, "record", _boom)
    with pytest.raises(RuntimeError):
        publications.publication_withdraw(publication=draft, user=scored.dana)
    assert OpenDataPublication.objects.get().status == "published"


def test_a_failed_audit_keeps_the_draft(scored, monkeypatch):
    draft = _draft(scored)
    monkeypatch.setattr(publications.audit, "record", _boom)
    with pytest.raises(RuntimeError):
        publications.publication_delete(publication=draft, user=scored.dana)
    assert OpenDataPublication.objects.filter(pk=draft.pk).exists()


def test_the_manage_page_writes_through_the_services(client, scored):
    client.force_login(scored.dana)
    client.post("/manage/open-data/", {"unit": "01", "period": "2025-10"})
    client.post("/manage/open-data/01/2025-10/action/", {"action": "publish"})
    client.post("/manage/open-data/01/2025-10/action/", {"action": "withdraw"})
    response = client.post("/manage/open-data/01/2025-10/action/", {"action": "delete"})
    assert response.status_code == 302 and response["Location"] == "/manage/open-data/"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "publication_create",
        "publication_publish",
        "publication_withdraw",
        "publication_delete",
    ]


def test_the_old_management_address_redirects_for_good(client):
    response = client.get("/open-data/manage/")
    assert (response.status_code, response["Location"]) == (301, "/manage/open-data/")
