"""What a newcomer should find on every page of the demo, made the way the product makes it.

After the year of answers and the rollup, `seed_demo` adds, through the same services a person's
actions go through (never raw inserts):
- the ranking of the city's sub-units for the last complete quarter, published as open data
  (`reports.publications`), so `/open-data/` and its CSV have something real;
- a few fresh comments at the demo ward, answered on receipts issued now (`receipt_issue`,
  `response_submit`, which masks phone numbers), waiting at the top of the moderation list;
- a few review flags: a burst from one client and a burst of identical answers from one kiosk,
  submitted like any answer and raised by the abuse detector (`reports.abuse.detect`); they keep
  counting until a manager decides;
- one survey draft of the demo ward (`survey_create`, `question_add`), for the authoring pages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import salted_hmac

from agencies.models import Unit
from reports import abuse
from reports.models import OpenDataPublication, PeriodType, ReviewFlag
from reports.periods import Period
from reports.publications import publication_create, publication_publish
from surveys import ratelimit
from surveys.authoring import services as authoring_services
from surveys.citizen.services import response_submit
from surveys.models import Kiosk, Question, QuestionKind, SurveyVersion
from surveys.receipts import receipt_issue

from . import catalogue as cat

# Fresh comments, as citizens type them; the phone number is masked by the submit service.
FRESH_COMMENTS = [
    ("vi", 2, "Chờ hơn một tiếng mới đến lượt, bảng số thứ tự bị hỏng. Liên hệ tôi: 0912 345 678."),
    ("vi", 5, "Chị cán bộ ở quầy số 2 hướng dẫn rất kỹ, cảm ơn phường."),
    ("vi", 3, "Nên có thêm ghế ở phòng chờ, người già phải đứng lâu."),
    ("en", 4, "Quick service, but the form was only in Vietnamese."),
]
CLIENT_BURST = 6  # answers from one address within minutes (rule: ABUSE_BURST_COUNT, default 5)
KIOSK_BURST = 10  # identical answers from one kiosk (rules: kiosk burst 8, identical patterns 10)

DRAFT_TITLE_VI = "Khảo sát về chỗ gửi xe và phòng chờ"
DRAFT_TITLE_EN = "Survey on parking and the waiting room"


@dataclass
class ShowcaseSummary:
    published: str = ""  # the period key of the published ranking, or "" when there were no scores
    comments: int = 0
    flags: int = 0
    draft: str = ""


def last_complete_quarter(today: date) -> Period:
    return Period.containing(PeriodType.QUARTER, today).previous()


def build_showcase(*, publish: bool = True, today: date | None = None) -> ShowcaseSummary:
    """Add the showcase to a freshly built demo city; `publish=False` when no rollup has run."""
    today = today or timezone.localdate()
    users = get_user_model().objects.in_bulk([a[0] for a in cat.ACCOUNTS], field_name="username")
    admin, manager = users[cat.ACCOUNTS[2][0]], users[cat.ACCOUNTS[1][0]]
    city = Unit.objects.get(code=cat.CITY_CODE)
    ward = Unit.objects.get(code=cat.DEMO_WARD)
    summary = ShowcaseSummary()
    if publish:
        summary.published = _publish_open_data(city=city, admin=admin, period=last_complete_quarter(today))
    version = SurveyVersion.objects.get(
        survey__is_standard=True, survey__owner=city, status=SurveyVersion.Status.PUBLISHED
    )
    summary.comments = _fresh_comments(ward=ward, version=version)
    summary.flags = _flagged_batches(ward=ward, version=version)
    summary.draft = _survey_draft(ward=ward, manager=manager)
    return summary


def _publish_open_data(*, city: Unit, admin, period: Period) -> str:
    existing = OpenDataPublication.objects.filter(unit=city, period_type=period.type, period_start=period.start).first()
    publication = existing or publication_create(
        unit=city,
        period=period,
        user=admin,
        note="Dữ liệu mẫu của thành phố trình diễn / demo city data.",
    )
    publication_publish(publication=publication, user=admin)
    return period.key


def _rating_questions(version: SurveyVersion) -> list[Question]:
    return list(version.questions.filter(kind=QuestionKind.RATING).order_by("order"))


def _answers(questions: list[Question], value: int) -> dict[Question, int]:
    return {q: value for q in questions}


def _fresh_comments(*, ward: Unit, version: SurveyVersion) -> int:
    questions = _rating_questions(version)
    point = ward.service_points.order_by("code").first()
    for i, (language, rating, comment) in enumerate(FRESH_COMMENTS):
        receipt, _created = receipt_issue(unit=ward, service_point=point)
        response_submit(
            version=version,
            unit=ward,
            channel="receipt",
            receipt=receipt,
            service_point=point,
            answers=_answers(questions, rating),
            idempotency_key=uuid.uuid4(),
            comment=comment,
            language=language,
            client_hash=salted_hmac("thuocdo.client", f"203.0.113.{10 + i}", algorithm="sha256").hexdigest(),
        )
    return len(FRESH_COMMENTS)


def _flagged_batches(*, ward: Unit, version: SurveyVersion) -> int:
    questions = _rating_questions(version)
    started = timezone.now()
    one_address = salted_hmac("thuocdo.client", "198.51.100.7", algorithm="sha256").hexdigest()
    for _ in range(CLIENT_BURST):
        response_submit(
            version=version,
            unit=ward,
            channel="link",
            answers=_answers(questions, 1),
            idempotency_key=uuid.uuid4(),
            client_hash=one_address,
        )
    kiosk = Kiosk.objects.filter(service_point__unit=ward, revoked_at__isnull=True).order_by("pk").first()
    if kiosk is not None:
        for _ in range(KIOSK_BURST):
            response_submit(
                version=version,
                unit=ward,
                channel="kiosk",
                kiosk=kiosk,
                service_point=kiosk.service_point,
                answers=_answers(questions, 5),
                idempotency_key=uuid.uuid4(),
                client_hash=ratelimit.device_hash(kiosk.pk),
            )
    # The incremental rollup that each answer queues runs the detector too; asking again is
    # idempotent and makes the flags certain whatever the broker does.
    abuse.detect(lookback=timezone.now() - started + timedelta(minutes=5))
    return ReviewFlag.objects.filter(unit=ward, status=ReviewFlag.Status.OPEN).count()


def _survey_draft(*, ward: Unit, manager) -> str:
    version = authoring_services.survey_create(
        owner=ward,
        user=manager,
        from_standard=True,
        title_vi=DRAFT_TITLE_VI,
        title_en=DRAFT_TITLE_EN,
    )
    authoring_services.question_add(
        version=version,
        user=manager,
        revision=version.revision,
        kind=QuestionKind.YESNO,
        text_vi="Ông/bà có tìm được chỗ gửi xe gần trụ sở không?",
        text_en="Did you find a place to park near the office?",
        required=False,
    )
    return version.survey.slug
