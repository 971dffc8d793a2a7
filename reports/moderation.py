"""Moderation: the one door for every change of a response that affects a score.

Managers exclude a response (spam, test, duplicate) with a reason, count it again, move it to
another unit or procedure, or (administrators) delete it. The moderation pages, the Django admin,
the API and the `moderate` command all call these four services; nothing else writes those fields.

Rules protected:
- only a manager of the response's unit (or above) may do it — the caller checks
  `agencies.permissions.can_manage`, these services refuse anything else too; a
  reassignment needs the right on both units, a deletion an administrator's;
- every change is audited (ModerationEvent while the response exists, and the staff audit log)
  and bumps `Response.changed_at`, the rollup's watermark; the database also marks the old and
  new (unit, day) keys in `RollupDirtyKey` (triggers of migration reports 0009_i14), which is what
  a deleted response leaves behind, so the incremental rollup recomputes exactly the touched
  scores — even after a change made outside these services;
- the rollup is asked for through `reports.queueing.queue_rollup`: only after the transaction
  commits, and a broker that is down never undoes a moderation (the scheduled rollup catches up).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Procedure, Unit
from agencies.permissions import can_administer, can_manage
from surveys.models import Response

from .audit_actions import AuditAction
from .models import ModerationEvent
from .queueing import queue_rollup


def _audit(action: str, response: Response, user, reason: str) -> None:
    """ModerationEvent is the per-response history shown on the moderation page; the staff-wide audit log
    (agencies.AuditEvent) gets the same fact, without the comment or anything else a citizen wrote."""
    audit.record(
        actor=user,
        action=action,
        obj=response,
        object_label=f"#{response.pk}",
        unit=response.unit,
        details={"reason": reason[:200]},
    )


def _locked_response(response_id: int, user) -> Response:
    response = Response.objects.select_for_update().select_related("unit").get(pk=response_id)
    if not can_manage(user, response.unit_id):
        raise PermissionDenied(_("You may not moderate responses of this unit."))
    return response


@transaction.atomic
def response_exclude(*, response_id: int, user, reason: str, queue: bool = True) -> Response:
    """Exclude a response from every score, with a reason; audited; the rollup follows on commit.

    `queue=False`: the caller excludes a batch and queues one rollup for all of it (reports.abuse)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why this response is excluded."))
    response = _locked_response(response_id, user)
    if response.excluded:
        raise ValidationError(_("This response is already excluded."))
    now = timezone.now()
    response.excluded = True
    response.excluded_reason = reason[:200]
    response.excluded_at = now
    response.excluded_by = user
    response.changed_at = now
    response.save(update_fields=["excluded", "excluded_reason", "excluded_at", "excluded_by", "changed_at"])
    ModerationEvent.objects.create(
        response=response, action=ModerationEvent.Action.EXCLUDE, reason=reason[:200], actor=user
    )
    _audit(AuditAction.RESPONSE_EXCLUDE, response, user, reason)
    if queue:
        queue_rollup()
    return response


@transaction.atomic
def response_include(*, response_id: int, user, reason: str) -> Response:
    """Count an excluded response again; the exclusion stays in the audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why this response is counted again."))
    response = _locked_response(response_id, user)
    if not response.excluded:
        raise ValidationError(_("This response is already counted."))
    response.excluded = False
    response.excluded_reason = ""
    response.excluded_at = None
    response.excluded_by = None
    response.changed_at = timezone.now()
    response.save(update_fields=["excluded", "excluded_reason", "excluded_at", "excluded_by", "changed_at"])
    ModerationEvent.objects.create(
        response=response, action=ModerationEvent.Action.INCLUDE, reason=reason[:200], actor=user
    )
    _audit(AuditAction.RESPONSE_INCLUDE, response, user, reason)
    queue_rollup()
    return response


@transaction.atomic
def response_reassign(
    *,
    response_id: int,
    user,
    reason: str,
    unit: Unit | None = None,
    procedure: Procedure | None = None,
    clear_procedure: bool = False,
) -> Response:
    """Move a response to another unit and/or procedure (a receipt issued at the wrong counter).

    Both the old and the new unit must be manageable by the user; the scores of both keys follow."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why this response is moved."))
    response = _locked_response(response_id, user)
    fields = []
    if unit is not None and unit.pk != response.unit_id:
        if not can_manage(user, unit):
            raise PermissionDenied(_("You may not move responses to this unit."))
        response.unit = unit
        fields.append("unit")
    if clear_procedure and response.procedure_id is not None:
        response.procedure = None
        fields.append("procedure")
    elif procedure is not None and procedure.pk != response.procedure_id:
        response.procedure = procedure
        fields.append("procedure")
    if not fields:
        raise ValidationError(_("Nothing to change: the response already belongs there."))
    response.changed_at = timezone.now()
    response.save(update_fields=[*fields, "changed_at"])
    ModerationEvent.objects.create(
        response=response, action=ModerationEvent.Action.REASSIGN, reason=reason[:200], actor=user
    )
    _audit(AuditAction.RESPONSE_REASSIGN, response, user, reason)
    queue_rollup()
    return response


@transaction.atomic
def response_delete(*, response_id: int, user, reason: str) -> None:
    """Delete a response and its answers for good (administrators only; excluding is the usual way).

    The response's (unit, day) key stays behind in RollupDirtyKey (database trigger), so the next
    incremental rollup recomputes its scores; the staff audit log keeps who, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why this response is deleted."))
    response = Response.objects.select_for_update().select_related("unit").get(pk=response_id)
    if not can_administer(user, response.unit_id):
        raise PermissionDenied(_("Only an administrator of the unit may delete a response."))
    _audit(AuditAction.RESPONSE_DELETE, response, user, reason)
    # The receipt stays used (it is not deleted): a deleted answer gives its code no second life.
    response.delete()
    queue_rollup()
