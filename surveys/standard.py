"""The city's standard survey: the five SIPAS elements (DESIGN.md, Scoring method).

One source for the demo city, the tests and the authoring template ("start from the standard").
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agencies.models import Unit

from .models import Dimension, Question, Survey, SurveyVersion

DIMENSIONS = [
    ("access", "Tiếp cận dịch vụ", "Access to the service"),
    ("procedures", "Thủ tục hành chính", "Administrative procedures"),
    ("civil_servants", "Công chức", "Civil servants"),
    ("results", "Kết quả giải quyết", "Results"),
    ("feedback", "Tiếp nhận, xử lý góp ý", "Receiving and handling feedback"),
]

# (dimension, Vietnamese, English, shown on the kiosk's single screen)
QUESTIONS = [
    (
        "access",
        "Nơi tiếp nhận hồ sơ có biển hiệu, chỉ dẫn rõ ràng, dễ tìm.",
        "The reception area has clear signs and directions and is easy to find.",
        True,
    ),
    (
        "access",
        "Nơi tiếp nhận có đủ ghế ngồi, bàn viết hồ sơ.",
        "There are enough seats and desks for filling in forms.",
        False,
    ),
    (
        "access",
        "Trang thiết bị phục vụ (máy tính, máy lấy số, wifi…) đầy đủ, dễ sử dụng.",
        "Equipment (computers, queue ticket machine, wifi…) is adequate and easy to use.",
        False,
    ),
    (
        "procedures",
        "Thủ tục hành chính được niêm yết công khai, đầy đủ.",
        "The administrative procedure is publicly and completely posted.",
        True,
    ),
    (
        "procedures",
        "Thành phần hồ sơ phải nộp đúng như quy định.",
        "The documents required were exactly those prescribed.",
        False,
    ),
    ("procedures", "Phí, lệ phí phải nộp đúng như quy định.", "The fees charged were exactly those prescribed.", False),
    ("procedures", "Thời hạn giải quyết đúng như quy định.", "The processing time was as prescribed.", False),
    (
        "civil_servants",
        "Công chức có thái độ lịch sự, tôn trọng.",
        "The civil servant was courteous and respectful.",
        True,
    ),
    (
        "civil_servants",
        "Công chức hướng dẫn rõ ràng, đầy đủ, một lần.",
        "The civil servant gave clear and complete guidance, all at once.",
        False,
    ),
    (
        "civil_servants",
        "Công chức tuân thủ đúng quy định, không gây phiền hà.",
        "The civil servant followed the rules and caused no harassment.",
        False,
    ),
    ("results", "Kết quả được trả đúng hẹn.", "The result was returned on time.", True),
    ("results", "Kết quả đầy đủ, chính xác.", "The result was complete and accurate.", False),
    (
        "results",
        "Không phải đi lại nhiều lần để nhận kết quả.",
        "No extra trips were needed to receive the result.",
        False,
    ),
    (
        "feedback",
        "Dễ dàng gửi góp ý, phản ánh, kiến nghị.",
        "It is easy to submit feedback, complaints and petitions.",
        True,
    ),
    (
        "feedback",
        "Góp ý, phản ánh được tiếp nhận và xử lý đúng quy định.",
        "Feedback is received and handled as prescribed.",
        False,
    ),
    ("feedback", "Kết quả xử lý góp ý được thông báo kịp thời.", "The outcome of feedback is notified in time.", False),
]

TITLE_VI = "Phiếu khảo sát sự hài lòng về dịch vụ hành chính công"
TITLE_EN = "Satisfaction survey on public administrative services"
INTRO_VI = (
    "Xin ông/bà dành một phút cho biết mức độ hài lòng với dịch vụ vừa nhận. "
    "Phiếu không hỏi tên, số điện thoại hay số định danh."
)
INTRO_EN = (
    "Please take a minute to tell us how satisfied you are with the service you just received. "
    "We never ask your name, phone number or ID number."
)


def ensure_dimensions() -> dict[str, Dimension]:
    """The five SIPAS dimensions, created once."""
    result = {}
    for order, (code, vi, en) in enumerate(DIMENSIONS, start=1):
        dim, _ = Dimension.objects.get_or_create(code=code, defaults={"name_vi": vi, "name_en": en, "order": order})
        result[code] = dim
    return result


def add_standard_questions(version: SurveyVersion) -> list[Question]:
    """Copy the standard five-element questions into a (draft) version."""
    dims = ensure_dimensions()
    start = version.questions.count()
    return Question.objects.bulk_create(
        Question(
            version=version,
            order=start + i,
            kind="rating",
            text_vi=vi,
            text_en=en,
            required=True,
            dimension=dims[dim],
            on_kiosk=kiosk,
        )
        for i, (dim, vi, en, kiosk) in enumerate(QUESTIONS, start=1)
    )


@transaction.atomic
def create_standard_survey(*, city: Unit, slug: str = "chuan", publish: bool = True, user=None) -> SurveyVersion:
    """The city's standard survey with the five SIPAS elements, published by default."""
    survey = Survey.objects.create(owner=city, slug=slug, is_standard=True, allow_open_link=True, created_by=user)
    now = timezone.now()
    version = SurveyVersion.objects.create(
        survey=survey,
        number=1,
        title_vi=TITLE_VI,
        title_en=TITLE_EN,
        intro_vi=INTRO_VI,
        intro_en=INTRO_EN,
        created_by=user,
        status=SurveyVersion.Status.PUBLISHED if publish else SurveyVersion.Status.DRAFT,
        published_at=now if publish else None,
        published_by=user if publish else None,
    )
    add_standard_questions(version)
    return version
