""" "Data as of <time>" on the pages that show scores.

The scores on a page are as fresh as the last successful rollup's watermark (answers changed up to
it are counted) — read from the same database as the page, so a page served by a lagging replica
says how old its numbers are rather than the primary's time.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings


def rollup_watermark() -> datetime | None:
    from reports.models import RollupRun

    return (
        RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED, watermark__isnull=False)
        .order_by("-watermark")
        .values_list("watermark", flat=True)
        .first()
    )


def data_as_of(request) -> dict:
    """Context processor: `data_as_of` on the score pages (REPLICA_READ_PATHS), queried only if the
    template shows it."""
    if request.method not in ("GET", "HEAD") or not request.path.startswith(tuple(settings.REPLICA_READ_PATHS)):
        return {}
    cache: dict[str, datetime | None] = {}

    def watermark() -> datetime | None:
        if "value" not in cache:
            cache["value"] = rollup_watermark()
        return cache["value"]

    return {"data_as_of": watermark}
