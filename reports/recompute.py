"""An administrator's "recompute now": the incremental rollup, asked for on request.

Rules protected:
- only an administrator of the unit may ask (`agencies.permissions.can_administer`);
- the request is audited (who, which unit, when) in its own transaction, whether or not a broker
  takes the message: the scheduled rollup runs it anyway;
- the rollup is asked for through `reports.queueing.queue_rollup` (after the commit), like every
  other change that affects a score.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from agencies import audit
from agencies.models import Unit
from agencies.permissions import can_administer

from .audit_actions import AuditAction
from .queueing import queue_rollup


def rollup_recompute(*, unit: Unit, user) -> bool | None:
    """Audit the request and ask for the incremental rollup. Returns what `queue_rollup` says:
    True (ran or queued), False (the broker refused; the scheduled rollup will run it), or None
    when called inside a caller's transaction (asked for on its commit)."""
    if not can_administer(user, unit):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=user,
            action=AuditAction.ROLLUP_RECOMPUTE,
            obj=unit,
            object_label=str(unit),
            details={"mode": "incremental"},
        )
    return queue_rollup()
