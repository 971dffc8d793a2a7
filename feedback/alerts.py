"""Alerts and digests by e-mail, through an outbox (AlertDelivery).

Rules protected:
- **once per unit, event and period**: detection creates outbox rows under a unique key
  (kind, unit, period key, person); a retried or concurrent detection finds the row and adds
  nothing, so nobody gets the same alert twice;
- **never blocks the rollup**: the rollup only queues detection after it succeeds (signals.py);
  detection is a few indexed reads; sending is a separate step that takes the outbox rows due now;
- **retried with backoff**: an SMTP error (server down, address refused) leaves the row pending
  with `next_attempt_at` = now + BACKOFF[attempts]; after MAX_ATTEMPTS it is marked failed;
- **in the person's language**: each mail is rendered in the language of the person's alert
  settings (Vietnamese, the default, for someone who never opened them);
- **nothing identifying a citizen**: a low-rating alert says that a comment arrived, its date,
  topics and rating, and links to the moderation page; it never quotes the comment.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Avg, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from agencies.models import Membership, Unit
from reports.models import PeriodType, Scope, Score
from reports.periods import previous_period_start
from surveys.models import Response

from . import funnel
from .models import AlertDelivery, AlertKind, AlertPreference

logger = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))
MAX_ATTEMPTS = len(BACKOFF) + 1
LOW_RATING = 2  # a comment whose mean rating is at most this (1–2) is an alert


def recipients(unit: Unit, kind: str) -> list:
    """Managers of the unit or of a unit above it, with an e-mail address, who want this alert."""
    ancestor_ids = unit.ancestor_ids()
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__unit_id__in=ancestor_ids,
            memberships__role__in=[Membership.Role.MANAGER, Membership.Role.ADMINISTRATOR],
        )
        .exclude(email="")
        .distinct()
    )
    prefs = {p.user_id: p for p in AlertPreference.objects.filter(user__in=users)}
    return [u for u in users if prefs.get(u.pk) is None or prefs[u.pk].wants(kind)]


def _enqueue(*, kind: str, unit: Unit, period_key: str, context: dict) -> int:
    """Outbox rows for every recipient; existing (kind, unit, period, person) rows are left alone."""
    return sum(
        enqueue_one(kind=kind, unit=unit, period_key=period_key, user=u, context=context)
        for u in recipients(unit, kind)
    )


def enqueue_one(*, kind: str, unit: Unit, period_key: str, user, context: dict | None = None) -> int:
    try:
        with transaction.atomic():
            _row, made = AlertDelivery.objects.get_or_create(
                kind=kind, unit=unit, period_key=period_key, user=user, defaults={"context": context or {}}
            )
    except IntegrityError:
        return 0
    return int(made)


# --------------------------------------------------------------------------- detection


def detect_falls(*, month: date) -> int:
    """Units whose overall index fell significantly from the previous month (both with enough answers)."""
    rows = (
        Score.objects.in_scope(Scope.SUBTREE)
        .filter(
            period_type=PeriodType.MONTH,
            period_start=month,
            dimension__isnull=True,
            procedure__isnull=True,
            enough_responses=True,
            change_sipas_significant=True,
            change_sipas__lt=0,
        )
        .select_related("unit")
    )
    rows = list(rows)
    # Both months must have enough answers (DESIGN.md: a change is marked only then); the stored
    # flag is not trusted alone.
    previous = previous_period_start(month, PeriodType.MONTH)
    enough_before = set(
        Score.objects.in_scope(Scope.SUBTREE)
        .filter(
            unit_id__in=[r.unit_id for r in rows],
            period_type=PeriodType.MONTH,
            period_start=previous,
            dimension__isnull=True,
            procedure__isnull=True,
            enough_responses=True,
        )
        .values_list("unit_id", flat=True)
    )
    created = 0
    for score in rows:
        if score.unit_id not in enough_before:
            continue
        context = {"index": round(score.index_sipas or 0, 1), "change": round(score.change_sipas or 0, 1)}
        created += _enqueue(kind=AlertKind.FALL, unit=score.unit, period_key=f"{month:%Y-%m}", context=context)
    return created


def detect_funnel(*, month: date) -> int:
    """Units below the funnel's lower control limit in `month` (feedback.funnel — issue 17's hook)."""
    created = 0
    for unit in Unit.objects.filter(pk__in=funnel.units_below(month=month), active=True):
        created += _enqueue(kind=AlertKind.FUNNEL, unit=unit, period_key=f"{month:%Y-%m}", context={})
    return created


def detect_low_comments(*, today: date) -> int:
    """Comments rated 1–2 (mean rating), counted per unit and local day over the last two complete
    days: one alert per unit and day, sent once that day is over.

    Never one mail per comment, nor minutes after it: a clerk who served a citizen at 10:00 and got
    a mail at 10:05 would know whose comment it was, whatever the moderation page hides. A unit and a
    day, with a count and a link to the moderation list, is what that list shows anyway
    (docs/privacy.md).
    """
    created = 0
    for day in (today - timedelta(days=2), today - timedelta(days=1)):
        start = timezone.make_aware(datetime.combine(day, time.min))
        end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
        unit_ids = (
            Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end, excluded=False)
            .exclude(comment="")
            .annotate(mean_rating=Avg("answers__value", filter=Q(answers__kind="rating")))
            .filter(mean_rating__lte=LOW_RATING)
            .values_list("unit_id", flat=True)
        )
        counts = Counter(unit_ids)
        for unit in Unit.objects.filter(pk__in=counts):
            context = {"date": day.isoformat(), "count": counts[unit.pk], "month": f"{day:%Y-%m}"}
            created += _enqueue(
                kind=AlertKind.LOW_COMMENT, unit=unit, period_key=f"day:{day.isoformat()}", context=context
            )
    return created


def detect_all(*, now=None) -> int:
    """Everything a finished rollup may have changed: this month's and last month's figures,
    and the low-rated comments of the last two complete days (the alert key makes re-reading them
    harmless)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    created = 0
    for month in (last_month, this_month):
        created += detect_falls(month=month)
    created += detect_funnel(month=last_month)
    created += detect_low_comments(today=today)
    return created


# --------------------------------------------------------------------------- sending


def language_for(user) -> str:
    preference = AlertPreference.objects.filter(user=user).first()
    language = preference.language if preference is not None else ""
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def build_message(delivery: AlertDelivery) -> EmailMultiAlternatives:
    """The e-mail of one outbox row, rendered in the recipient's language (text and HTML parts)."""
    from .digest_content import digest_context

    user = delivery.user
    with translation.override(language_for(user)):
        context = {
            "delivery": delivery,
            "unit": delivery.unit,
            "c": delivery.context,
            "site_url": settings.SITE_URL,
            "user": user,
        }
        if delivery.kind == AlertKind.DIGEST:
            context.update(digest_context(unit=delivery.unit, week_key=delivery.period_key))
        template = f"feedback/email/{delivery.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def send_due(*, now=None, limit: int = 200) -> dict[str, int]:
    """Send the outbox rows that are due; an SMTP failure reschedules the row with backoff."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = list(
        AlertDelivery.objects.filter(status=AlertDelivery.Status.PENDING, next_attempt_at__lte=now)
        .select_related("user", "unit")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    for delivery in due:
        # Claim the row: a second sender running at the same time skips it (no double mail).
        claimed = AlertDelivery.objects.filter(
            pk=delivery.pk, status=AlertDelivery.Status.PENDING, attempts=delivery.attempts
        ).update(
            attempts=delivery.attempts + 1, next_attempt_at=now + BACKOFF[min(delivery.attempts, len(BACKOFF) - 1)]
        )
        if not claimed:
            continue
        delivery.attempts += 1
        try:
            build_message(delivery).send()
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            if delivery.attempts >= MAX_ATTEMPTS:
                AlertDelivery.objects.filter(pk=delivery.pk).update(
                    status=AlertDelivery.Status.FAILED, last_error=error
                )
                counts["failed"] += 1
            else:
                AlertDelivery.objects.filter(pk=delivery.pk).update(last_error=error)
                counts["retry"] += 1
            logger.warning(
                "alert %s to user %s not sent (%s); attempt %s", delivery.pk, delivery.user_id, error, delivery.attempts
            )
            continue
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            status=AlertDelivery.Status.SENT, sent_at=timezone.now(), last_error=""
        )
        counts["sent"] += 1
    return counts
