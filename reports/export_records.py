"""The audit record of an export asked for on a page (agencies.audit): who exported what, when."""

from __future__ import annotations

from agencies import audit

from .audit_actions import AuditAction


def export_record(*, user, query, page: str, fmt: str, unit, period: str) -> None:
    """Who exported what, when (agencies.audit): the page, format, period and filters as asked."""
    # Bounded: a crafted query string must not bloat the log.
    filters = {k[:40]: v[:100] for k, v in list(query.items())[:20] if k != "page"}
    audit.record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type=f"export.{page}",
        object_id=unit.code if unit else "",
        object_label=f"{page} {period} {fmt.upper()}",
        unit=unit,
        details={"format": fmt, "period": period, "filters": filters},
    )
