"""The audit log of staff actions: one call, `record(...)`, from every service that changes something.

Rules protected:
- every publication, closure, exclusion, token or kiosk change, role change, export and recompute
  triggered by a person leaves one `AuditEvent` naming who, what, which object and when;
- the event is written in the caller's transaction, so an action that rolls back leaves no trail
  and an action that commits always has one;
- no citizen data is written: callers pass ids, labels and counts, and `details` is checked to hold
  only plain JSON values (a stray model instance or an address would be a bug, not a log line).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent, Unit

Action = AuditEvent.Action

# Keys that would carry citizen data; refused so that a careless caller fails in tests, not in a breach.
_FORBIDDEN_DETAIL_KEYS = frozenset({"comment", "client_hash", "ip", "ip_address", "address", "dossier", "text"})


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return actor.get_username()[:150]


def _unit_of(obj: models.Model | None) -> Unit | None:
    if obj is None:
        return None
    if isinstance(obj, Unit):
        return obj
    unit_id = getattr(obj, "unit_id", None)
    if unit_id is not None:
        return Unit(pk=unit_id)
    return None


def _check_details(details: dict[str, Any]) -> dict[str, Any]:
    bad = _FORBIDDEN_DETAIL_KEYS.intersection(details)
    if bad:
        raise ValueError(f"audit details must not hold citizen data: {sorted(bad)}")
    for key, value in details.items():
        if not isinstance(value, (str, int, float, bool, type(None), list, dict)):
            raise TypeError(f"audit detail {key!r} is a {type(value).__name__}; pass ids and plain values")
    return details


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    unit: Unit | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Write one audit event. `obj` fills type, id, label and unit unless they are given.

    `actor` is the user who acted (None for the command line or the system; then `actor_name`
    says who, e.g. "add_member (command line)").
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
        unit = unit if unit is not None else _unit_of(obj)
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_name=(_actor_name(actor) or actor_name)[:150],
        action=action,
        object_type=object_type[:60],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_label=str(object_label)[:255],
        unit=unit,
        details=_check_details(dict(details or {})),
    )
