"""Writes of the feedback app: replies, actions taken, improvement plans, topic tags.

Rules protected:
- only a manager of the unit (agencies.permissions.manageable_units) writes, and every write is
  audited without any text a citizen wrote;
- replies and actions are masked like comments (no phone number, e-mail or ID number is stored);
- nothing here ever reveals which receipt a response came from.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Unit
from agencies.permissions import can_manage
from surveys.masking import mask_comment
from surveys.models import Response

from . import topics
from .audit_actions import AuditAction
from .models import Action, CommentTopic, ImprovementPlan, Reply

REPLY_MAX_LENGTH = 2000
ACTION_MAX_LENGTH = 2000


def _manageable_response(response_id: int, user) -> Response:
    response = Response.objects.select_for_update().select_related("unit").get(pk=response_id)
    if not can_manage(user, response.unit_id):
        raise PermissionDenied(_("You may not answer comments of this unit."))
    return response


@transaction.atomic
def reply_publish(*, response_id: int, user, text: str) -> Reply:
    """Publish (or replace) the unit's reply to a comment; masked, audited."""
    text = mask_comment((text or "").strip())[:REPLY_MAX_LENGTH]
    if not text:
        raise ValidationError(_("Write the reply first."))
    response = _manageable_response(response_id, user)
    if not response.comment:
        raise ValidationError(_("Only a comment can be answered."))
    now = timezone.now()
    reply, created = Reply.objects.get_or_create(
        response=response, defaults={"text": text, "created_by": user, "created_at": now, "updated_at": now}
    )
    if not created:
        reply.text = text
        reply.status = Reply.Status.PUBLISHED
        reply.updated_at = now
        reply.save(update_fields=["text", "status", "updated_at"])
    audit.record(
        actor=user,
        action=AuditAction.REPLY_PUBLISH,
        obj=reply,
        object_label=f"#{response.pk}",
        unit=response.unit,
        details={"response": response.pk, "edited": not created},
    )
    return reply


@transaction.atomic
def reply_withdraw(*, response_id: int, user, reason: str) -> Reply:
    """Hide a reply from the citizen again; the reason goes to the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the reply is withdrawn."))
    response = _manageable_response(response_id, user)
    reply = Reply.objects.filter(response=response).first()
    if reply is None or reply.status == Reply.Status.WITHDRAWN:
        raise ValidationError(_("There is no published reply to withdraw."))
    reply.status = Reply.Status.WITHDRAWN
    reply.updated_at = timezone.now()
    reply.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=user,
        action=AuditAction.REPLY_WITHDRAW,
        obj=reply,
        object_label=f"#{response.pk}",
        unit=response.unit,
        details={"response": response.pk, "reason": reason[:200]},
    )
    return reply


@transaction.atomic
def action_publish(*, unit: Unit, user, heard: str, done: str, done_on: date, topic: str = "") -> Action:
    """Add one "You said, we did" entry to the unit's public page."""
    if not can_manage(user, unit):
        raise PermissionDenied(_("You may not publish actions of this unit."))
    heard = mask_comment((heard or "").strip())[:ACTION_MAX_LENGTH]
    done = mask_comment((done or "").strip())[:ACTION_MAX_LENGTH]
    if not heard or not done:
        raise ValidationError(_("Say what was heard and what was done."))
    if done_on > timezone.localdate():
        raise ValidationError(_("An action is published once it is done; the date cannot be in the future."))
    action = Action.objects.create(unit=unit, topic=topic, heard=heard, done=done, done_on=done_on, created_by=user)
    audit.record(actor=user, action=AuditAction.ACTION_PUBLISH, obj=action, unit=unit, details={"action": action.pk})
    return action


@transaction.atomic
def plan_file(
    *, unit: Unit, user, trigger_month: date, problem: str, actions: str, owner: str, deadline: date
) -> ImprovementPlan:
    """File the improvement plan a unit owes for `trigger_month` (feedback.plans.plans_owed)."""
    if not can_manage(user, unit):
        raise PermissionDenied(_("You may not file plans of this unit."))
    problem, actions, owner = (v.strip() for v in (problem or "", actions or "", owner or ""))
    if not (problem and actions and owner):
        raise ValidationError(_("A plan needs the problem, the actions and an owner."))
    if deadline <= timezone.localdate():
        raise ValidationError(_("The deadline must be in the future."))
    if ImprovementPlan.objects.filter(unit=unit, trigger_month=trigger_month).exists():
        raise ValidationError(_("A plan for this month is already filed."))
    plan = ImprovementPlan.objects.create(
        unit=unit,
        trigger_month=trigger_month,
        problem=mask_comment(problem)[:4000],
        actions=mask_comment(actions)[:4000],
        owner=mask_comment(owner)[:200],
        deadline=deadline,
        filed_by=user,
    )
    audit.record(
        actor=user,
        action=AuditAction.PLAN_FILE,
        obj=plan,
        unit=unit,
        details={"month": f"{trigger_month:%Y-%m}", "deadline": deadline.isoformat()},
    )
    return plan


def tag_comments(*, response_ids: list[int] | None = None, limit: int = 2000) -> list[int]:
    """Tag comments that have no topics yet (or the given ones again); returns the ids tagged.

    Idempotent: a comment already tagged by the current rule set is left alone unless named.
    """
    qs = Response.objects.exclude(comment="")
    if response_ids is not None:
        qs = qs.filter(pk__in=response_ids)
    else:
        qs = qs.filter(comment_topics__isnull=True)
    rows = list(qs.order_by("pk").values_list("pk", "comment")[:limit])
    if not rows:
        return []
    with transaction.atomic():
        ids = [pk for pk, _text in rows]
        CommentTopic.objects.filter(response_id__in=ids).delete()
        CommentTopic.objects.bulk_create(
            [
                CommentTopic(response_id=pk, topic=topic, rules_version=topics.RULES_VERSION)
                for pk, text in rows
                for topic in (topics.classify(text) or ["other"])
            ],
            ignore_conflicts=True,
        )
    return ids
