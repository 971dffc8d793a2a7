"""The audit vocabulary belongs to the apps (agencies.audit_registry): each app registers the
actions it records, `record` refuses any other, and the log still reads every stored action."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import models
from django.utils import translation

from agencies import audit, audit_registry
from agencies.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]

# Every action string written before the vocabulary moved to the apps (agencies 0009/0010):
# stored rows must keep their meaning.
STORED_BEFORE = {
    "sign_in_locked",
    "survey_publish",
    "survey_close",
    "survey_new_version",
    "response_exclude",
    "response_include",
    "response_delete",
    "response_reassign",
    "flag_batch_exclude",
    "flag_dismiss",
    "token_create",
    "token_revoke",
    "kiosk_create",
    "kiosk_revoke",
    "role_grant",
    "role_revoke",
    "export",
    "rollup_recompute",
    "reply_publish",
    "reply_withdraw",
    "action_publish",
    "plan_file",
    "receipts_issue",
}


@pytest.mark.django_db
def test_an_action_no_app_registered_is_refused(city):
    with pytest.raises(audit.UnknownAction):
        audit.record(actor=city.dana, action="survey_burn", obj=city.ward_a)
    assert not AuditEvent.objects.exists()


def test_every_action_stored_before_is_still_registered():
    assert STORED_BEFORE <= audit_registry.values()


def test_each_action_is_registered_by_the_app_that_records_it():
    from feedback.audit_actions import AuditAction as Feedback
    from reports.audit_actions import AuditAction as Reports
    from surveys.audit_actions import AuditAction as Surveys

    assert set(audit.AuditAction.values) == {"sign_in_locked", "role_grant", "role_revoke"}
    assert {"survey_publish", "token_create", "kiosk_create", "receipts_issue"} <= set(Surveys.values)
    assert {"response_exclude", "flag_dismiss", "export", "rollup_recompute", "publication_publish"} <= set(
        Reports.values
    )
    assert {"reply_publish", "plan_file"} <= set(Feedback.values)


def test_agencies_knows_no_word_of_the_apps_above_it():
    from feedback.audit_actions import AuditAction as Feedback
    from reports.audit_actions import AuditAction as Reports
    from surveys.audit_actions import AuditAction as Surveys

    words = set(Surveys.values) | set(Reports.values) | set(Feedback.values)
    for path in (ROOT / "agencies").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = sorted(w for w in words if f'"{w}"' in text)
        assert not found, f"{path.name} names the actions {found} of another app"


def test_one_string_cannot_mean_two_things():
    class Clash(models.TextChoices):
        EXPORT = "export", "something else"

    with pytest.raises(ValueError):
        audit.register_actions(Clash)
    audit.register_actions([("export", dict(audit_registry.choices())["export"])])  # the same again: fine


@pytest.mark.django_db
def test_the_log_labels_stay_translated(city):
    event = audit.record(actor=city.dana, action="role_grant", obj=city.ward_a)
    with translation.override("vi"):
        label = event.get_action_display()
    assert label and label != "role granted or changed"
    assert audit.action_label("no_longer_registered") == "no_longer_registered"
