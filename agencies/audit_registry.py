"""The audit vocabulary: which actions may be recorded, registered by the app that records them.

Each app declares its actions as a `TextChoices` (e.g. `surveys.audit_actions.AuditAction`) and
registers it (`agencies.audit.register_actions`), so `agencies` — the bottom layer — knows no word
of the apps above it. `AuditEvent.action` takes its choices from here (a callable, evaluated when
read), so the audit log's labels stay translated and stored rows keep their meaning; adding an
action needs no migration. `agencies.audit.record` refuses an action nobody registered.

Rules protected:
- an action string means one thing: registering the same value with another label is an error;
- a stored action string never changes (rows written before an app registered its actions here
  carry the same strings as before).

This module imports nothing of the project (models read it; it must not read models).
"""

from __future__ import annotations

from collections.abc import Iterable

_LABELS: dict[str, object] = {}  # value -> lazy label, in registration order


class UnknownAction(ValueError):
    """An audit action that no app registered."""


def register(choices: Iterable[tuple[str, object]] | type) -> None:
    """Register (value, label) pairs, or a TextChoices class. Registering the same pair again is a no-op."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    for value, label in pairs:
        known = _LABELS.get(value)
        if known is not None and str(known) != str(label):
            raise ValueError(f"audit action {value!r} is already registered as {known!r}")
        _LABELS[value] = label


def choices() -> list[tuple[str, object]]:
    """Every registered action with its (lazily translated) label: the field's choices."""
    return list(_LABELS.items())


def values() -> frozenset[str]:
    return frozenset(_LABELS)


def check(action: str) -> str:
    """`action` if some app registered it; else UnknownAction."""
    if action not in _LABELS:
        raise UnknownAction(f"audit action {action!r} is not registered by any app (see agencies.audit_registry)")
    return action
