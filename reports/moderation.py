"""Moderation: the one door for every change of a response that affects a score.

Managers exclude a response (spam, test, duplicate) with a reason, count it again, move it to
another unit or procedure, or (administrators) delete it. The moderation pages, the Django admin,
the API and the `moderate` command all call these four services; nothing else writes those fields.

Rules protected:
- only a manager of the response's unit (or above) may do it — the caller checks
  `agencies.permissions.manageable_units`, these services refuse anything else too; a
  reassignment needs the right on both units, a deletion an administrator's;
- every change is audited (ModerationEvent while the response exists, and the staff audit log)
  and bumps `Response.changed_at`, the rollup's watermark; the database also marks the old and
  new (unit, day) keys in `RollupDirtyKey` (triggers of migration reports 0009_i14), which is what
  a deleted response leaves behind, so the incremental rollup recomputes exactly the touched
  scores — even after a change made outside these services;
- the rollup is queued only after the transaction commits, and a broker that is down never
  undoes a moderation (the scheduled rollup catches up).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import audit
from agencies.models import Procedure, Unit
from agencies.permissions import administered_units, manageable_units
from surveys.models import Response

from .models import ModerationEvent

logger = logging.getLogger(__name__)


def queue_rollup() -> None:
    """Ask for an incremental rollup now; failures are logged, the periodic rollup catches up."""
    try:
        from celery import current_app

        from . import tasks

        if current_app.conf.task_always_eager:
            # The embedded mode: run it here and now, without asking a broker for a producer
            # (Celery's eager apply_async still acquires one from its pool).
            tasks.rollup_incremental.apply()
        else:
            tasks.rollup_incremental.delay()
    except Exception as exc:  # noqa: BLE001 — an unreachable broker raises many kinds of errors; none may undo the change
        logger.warning("moderation: could not queue the rollup (%s); the scheduled rollup will pick it up", exc)


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
    if not manageable_units(user).filter(pk=response.unit_id).exists():
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
    _audit(audit.Action.RESPONSE_EXCLUDE, response, user, reason)
    if queue:
        transaction.on_commit(queue_rollup)
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
    _audit(audit.Action.RESPONSE_INCLUDE, response, user, reason)
    transaction.on_commit(queue_rollup)
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
        if not manageable_units(user).filter(pk=unit.pk).exists():
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
    _audit(audit.Action.RESPONSE_REASSIGN, response, user, reason)
    transaction.on_commit(queue_rollup)
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
    if not administered_units(user).filter(pk=response.unit_id).exists():
        raise PermissionDenied(_("Only an administrator of the unit may delete a response."))
    _audit(audit.Action.RESPONSE_DELETE, response, user, reason)
    # The receipt stays used (it is not deleted): a deleted answer gives its code no second life.
    response.delete()
    transaction.on_commit(queue_rollup)
