"""Shared reads of the citizen journey: which survey applies, receipts by code, kiosks and tokens.

The citizen pages, the API, authoring and feedback read through here."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from agencies.models import Unit

from .codes import api_token_hash
from .models import ApiToken, Choice, Kiosk, Question, Receipt, Response, SurveyVersion

_VERSION_CACHE_SECONDS = 10
_GENERATION_KEY = "surveys:versions-generation"


def versions_changed() -> None:
    """Called whenever a survey version is saved: cached answers to "which survey applies" expire."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 1, timeout=None)


def applicable_version(*, unit: Unit, moment=None) -> SurveyVersion | None:
    """Which survey applies to `unit` now (see `find_applicable_version`), cached for a few seconds.

    The cache key carries a generation that every save of a survey version bumps (signal in
    apps.py), so publishing or closing shows at once in this process and, with a shared cache
    (Redis), in every worker; with per-process caches a change shows within 10 seconds.
    """
    if moment is not None:
        return find_applicable_version(unit=unit, moment=moment)
    generation = cache.get(_GENERATION_KEY, 0)
    key = f"surveys:applicable:{generation}:{unit.pk}:{unit.path}"
    cached = cache.get(key)
    now = timezone.now()
    if cached is not None:
        version = cached or None
        # A window that opened or closed since the answer was cached: ask the database again.
        if version is None or version.is_open_at(now):
            return version
    version = find_applicable_version(unit=unit, moment=now)
    cache.set(key, version or 0, timeout=_VERSION_CACHE_SECONDS)
    return version


KIOSK_GRACE = timedelta(days=1)


def recent_kiosk_version(*, unit: Unit, posted: str, current: SurveyVersion | None) -> SurveyVersion | None:
    """The version a kiosk answer was given for.

    Usually the current one. A tablet that was offline may send answers given before the survey
    was republished or closed: they were given while that version applied, so they are stored
    against it, for up to a day after it closed. Protects "a flaky network loses nothing".
    """
    try:
        posted_id = int(posted)
    except (TypeError, ValueError):
        return current
    if current is not None and posted_id == current.pk:
        return current
    earlier = (
        SurveyVersion.objects.filter(
            pk=posted_id, status__in=[SurveyVersion.Status.PUBLISHED, SurveyVersion.Status.CLOSED]
        )
        .filter(Q(survey__owner_id__in=unit.ancestor_ids()) | Q(survey__is_standard=True))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=timezone.now() - KIOSK_GRACE))
        .first()
    )
    return earlier or current


def find_applicable_version(*, unit: Unit, moment=None) -> SurveyVersion | None:
    """The survey version a citizen of `unit` answers at `moment` (default now).

    The published version of the survey owned by the nearest unit in the ancestry (the unit
    itself, then its parent, … up to the root), else the city's standard survey, among versions
    whose optional opening window contains the moment. A unit's survey whose window is not open
    falls back to the next one up, so citizens are never left without a survey while another
    applies. One query whatever the depth of the tree.
    """
    moment = moment or timezone.now()
    chain = unit.ancestor_ids() if unit.path else [unit.pk]
    candidates = list(
        SurveyVersion.objects.filter(status=SurveyVersion.Status.PUBLISHED)
        .filter(Q(survey__owner_id__in=chain) | Q(survey__is_standard=True))
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=moment))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=moment))
        .select_related("survey")
    )
    if not candidates:
        return None
    distance = {unit_id: i for i, unit_id in enumerate(chain)}
    far = len(chain)

    def rank(version: SurveyVersion):
        owner = version.survey.owner_id
        # Nearest owner first; a standard survey outside the chain comes last; among surveys of
        # the same owner, a unit's own survey beats the standard one, then the latest published.
        published = version.published_at.timestamp() if version.published_at else 0.0
        return (distance.get(owner, far), version.survey.is_standard, -published, -version.pk)

    return min(candidates, key=rank)


_QUESTIONS: dict[tuple, list[Question]] = {}


def version_questions(version: SurveyVersion, *, kiosk_only: bool = False) -> list[Question]:
    """The questions of a version in order, with their choices (two queries at most).

    A published version is frozen, so its questions are kept in memory once read.
    """
    if version.status != SurveyVersion.Status.PUBLISHED or version.published_at is None:
        return _load_questions(version, kiosk_only=kiosk_only)
    key = (version.pk, version.published_at, kiosk_only)
    questions = _QUESTIONS.get(key)
    if questions is None:
        questions = _load_questions(version, kiosk_only=kiosk_only)
        if len(_QUESTIONS) > 200:
            _QUESTIONS.clear()
        _QUESTIONS[key] = questions
    return questions


def _load_questions(version: SurveyVersion, *, kiosk_only: bool) -> list[Question]:
    questions = Question.objects.filter(version=version).select_related("dimension").order_by("order", "id")
    if kiosk_only:
        questions = questions.filter(on_kiosk=True)
    questions = list(questions)
    if any(q.kind in ("single", "multiple") for q in questions):
        by_question: dict[int, list[Choice]] = {}
        for choice in Choice.objects.filter(question__in=[q.pk for q in questions]).order_by("order", "id"):
            by_question.setdefault(choice.question_id, []).append(choice)
        for q in questions:
            q.choice_list = by_question.get(q.pk, [])
    else:
        for q in questions:
            q.choice_list = []
    return questions


def receipt_by_code(code: str) -> Receipt | None:
    """The receipt with this normalised code, with what its page shows, or None."""
    try:
        # get(), not first(): no ORDER BY to build on the hottest query of the citizen pages.
        return Receipt.objects.select_related("unit", "procedure", "service_point").get(code=code)
    except Receipt.DoesNotExist:
        return None


def kiosk_by_token(token: str) -> Kiosk | None:
    """An active kiosk by its token (revoked kiosks are not found)."""
    if not token or len(token) > 64:
        return None
    return (
        Kiosk.objects.select_related("service_point__unit", "procedure")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )


def api_token_by_key(key: str) -> ApiToken | None:
    if not key or len(key) > 128:
        return None
    return ApiToken.objects.select_related("unit").filter(key_hash=api_token_hash(key), revoked_at__isnull=True).first()


def response_for_receipt(receipt: Receipt) -> Response | None:
    return Response.objects.filter(receipt=receipt).only("pk", "idempotency_key", "submitted_at").first()
