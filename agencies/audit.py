"""The audit log of staff actions: one call, `record(...)`, from every service that changes something.

Rules protected:
- every publication, closure, exclusion, token or kiosk change, role change, export and recompute
  triggered by a person leaves one `AuditEvent` naming who, what, which object and when;
- the event is written in the caller's transaction, so an action that rolls back leaves no trail
  and an action that commits always has one;
- the vocabulary belongs to the apps: an action is one some app registered (its own
  `audit_actions`, agencies.audit_registry); anything else is refused;
- no citizen data is written: callers pass ids, labels and counts, and `details` is checked to hold
  only plain JSON values (a stray model instance or an address would be a bug, not a log line).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import audit_registry
from .audit_registry import UnknownAction
from .models import AuditEvent, Unit

__all__ = ["Action", "AuditAction", "UnknownAction", "action_label", "record", "register_actions"]


class AuditAction(models.TextChoices):
    """What the agencies app records itself: roles and sign-in. Every other app registers its own
    actions (its `audit_actions` module, registered when the app is ready)."""

    SIGN_IN_LOCKED = "sign_in_locked", _("sign-in locked after failed attempts")
    ROLE_GRANT = "role_grant", _("role granted or changed")
    ROLE_REVOKE = "role_revoke", _("role removed")


Action = AuditAction


def register_actions(choices) -> None:
    """Register an app's audit actions (a TextChoices class or (value, label) pairs)."""
    audit_registry.register(choices)


def action_label(action: str) -> str:
    """The translated label of a registered action; the raw string for one nobody registers any more."""
    return str(dict(audit_registry.choices()).get(action, action))


register_actions(AuditAction)

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
    says who, e.g. "add_member (command line)"). `action` must be registered by the app that
    records it (agencies.audit_registry); an unknown one raises UnknownAction.
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
        action=audit_registry.check(action),
        object_type=object_type[:60],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_label=str(object_label)[:255],
        unit=unit,
        details=_check_details(dict(details or {})),
    )
