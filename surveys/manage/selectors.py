"""Reads of the manage pages of the citizen journey: kiosks, API tokens and printed batches of
the units a manager manages."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from agencies.models import Unit

from ..models import ApiToken, Kiosk, Receipt


def kiosks_for_units(units: QuerySet[Unit]) -> QuerySet[Kiosk]:
    return (
        Kiosk.objects.filter(service_point__unit__in=units)
        .select_related("service_point__unit", "procedure")
        .order_by("revoked_at", "service_point__unit__path", "label")
    )


def api_tokens_for_units(units: QuerySet[Unit]) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(unit__in=units).select_related("unit").order_by("revoked_at", "unit__path", "name")


def recent_batches(*, user, units: QuerySet[Unit], limit: int = 10) -> list[dict]:
    """The user's latest printed batches: receipts issued together share one issue time.

    Only batches whose receipts can still be answered (issued within RECEIPT_EXPIRY_DAYS) are
    grouped, so the page's cost is bounded by the daily cap, not by every receipt ever printed."""
    since = timezone.now() - timedelta(days=settings.RECEIPT_EXPIRY_DAYS)
    rows = (
        Receipt.objects.filter(issued_by=user, unit__in=units, issued_by_token__isnull=True, issued_at__gte=since)
        .values("issued_at", "unit__code", "unit__name_vi")
        .annotate(count=Count("id"), first=Min("id"), last=Max("id"), used=Count("used_at"))
        .order_by("-issued_at")[:limit]
    )
    return list(rows)
