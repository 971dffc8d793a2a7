"""Comment topics in Vietnamese: a documented rule set, no Django.

How a comment is tagged (docs/comment-topics.md has the measured precision and recall):
1. Normalise: Unicode NFC, lower case, the common abbreviations of typed Vietnamese expanded
   (`ABBREVIATIONS`: cb → cán bộ, ko/k → không, tthc → thủ tục hành chính, "2h" → "2 giờ",
   "50k" → "50 nghìn đồng", …).
2. Segment words with pyvi (a maintained CRF segmenter that ships its model, so it runs offline):
   syllables of one word are joined by "_" ("lãng_phí", "chờ_đợi"). A one-syllable keyword then
   matches only a whole word: "phí" (fee) matches in "lệ phí" but not in "lãng_phí" (waste).
   When pyvi is not installed, syllables are matched one by one (slightly less precise).
3. Match each topic's keywords (`RULES`) on word boundaries, twice: against the text as written,
   and — when the comment is typed without diacritics ("can bo nhiet tinh") — against both sides
   with diacritics removed. Keywords whose unaccented form means something else ("đất" land /
   "đắt" dear, "quát" scold / "quạt" fan) are marked `=` and match only with diacritics.
4. Phrases in `MASKS` are blanked for one topic before matching, e.g. "phòng chờ" is a place
   (facilities), not waiting time.
5. A comment that matches no topic is "other".
"""

from __future__ import annotations

import functools
import re
import unicodedata

RULES_VERSION = 1

TOPICS = ("attitude", "waiting", "fees", "guidance", "facilities", "results", "online", "other")

# Keywords per topic, with diacritics. "=" in front: match only when the comment has diacritics.
RULES: dict[str, tuple[str, ...]] = {
    "attitude": (
        "thái độ",
        "nhiệt tình",
        "niềm nở",
        "lịch sự",
        "thân thiện",
        "vui vẻ",
        "tận tình",
        "tận tâm",
        "chu đáo",
        "ân cần",
        "hòa nhã",
        "nhã nhặn",
        "lễ phép",
        "tôn trọng",
        "cáu gắt",
        "gắt gỏng",
        "=quát",
        "=nạt",
        "quát nạt",
        "khó chịu",
        "thờ ơ",
        "lạnh lùng",
        "hách dịch",
        "cửa quyền",
        "nhũng nhiễu",
        "sách nhiễu",
        "gây khó dễ",
        "làm khó",
        "vô lễ",
        "to tiếng",
        "coi thường",
        "mặt nặng mày nhẹ",
        "dễ chịu",
        "cởi mở",
        "chuyên nghiệp",
        "tác phong",
        "bấm điện thoại",
        "nói chuyện riêng",
        "làm việc riêng",
        "trách nhiệm",
        "tận tụy",
        "đón tiếp",
        "tiếp đón",
        "xin lỗi",
        "kiên nhẫn",
        "bực",
        "thô lỗ",
        "chửi",
        "đáng khen",
        "=khen",
        "nhẹ nhàng",
        "đi muộn",
        "quan liêu",
    ),
    "waiting": (
        "=chờ",
        "chờ đợi",
        "chờ lâu",
        "phải chờ",
        "chờ mãi",
        "đợi",
        "xếp hàng",
        "bốc số",
        "lấy số",
        "số thứ tự",
        "đến lượt",
        "tới lượt",
        "cả buổi",
        "cả ngày",
        "nửa ngày",
        "mất cả",
        "đông người",
        "quá tải",
        "ùn",
        "chen lấn",
        "tiếp nhận nhanh",
        "làm nhanh",
        "nhanh gọn",
        "nhanh chóng",
        "không phải chờ",
        "lâu quá",
        "rất lâu",
        "quá lâu",
        "hơi lâu",
        "mất thời gian",
        "giờ làm việc",
        "nghỉ trưa",
        "đi muộn",
        "đến muộn",
        "ít quầy",
        "thêm quầy",
        "mở thêm",
        "phút",
        "tiếng đồng hồ",
    ),
    "fees": (
        "phí",
        "lệ phí",
        "chi phí",
        "thu thêm",
        "thu tiền",
        "nộp tiền",
        "=tiền",
        "mất tiền",
        "tiền phí",
        "tiền lẻ",
        "=đắt",
        "rẻ",
        "=giá",
        "miễn phí",
        "biên lai",
        "hóa đơn",
        "phong bì",
        "bồi dưỡng",
        "tiền trà nước",
        "chuyển khoản",
        "thanh toán",
        "tiền mặt",
        "nghìn đồng",
        "triệu đồng",
        "=đồng",
        "bảng giá",
        "mức thu",
        "tốn kém",
        "ngoài quy định",
    ),
    "guidance": (
        "hướng dẫn",
        "giải thích",
        "chỉ dẫn",
        "giấy tờ",
        "bổ sung",
        "thành phần hồ sơ",
        "biểu mẫu",
        "mẫu đơn",
        "tờ khai",
        "điền",
        "kê khai",
        "công chứng",
        "chứng thực",
        "bản sao",
        "nhiều lần",
        "một lần",
        "rườm rà",
        "phức tạp",
        "khó hiểu",
        "dễ hiểu",
        "rõ ràng",
        "thủ tục",
        "yêu cầu thêm",
        "niêm yết",
        "tư vấn",
        "chỉ bảo",
        "sai mẫu",
        "thiếu giấy",
        "quy trình",
        "=chỉ",
        "mẫu",
    ),
    "facilities": (
        "cơ sở vật chất",
        "ghế",
        "chỗ ngồi",
        "chỗ để xe",
        "bãi xe",
        "gửi xe",
        "để xe",
        "điều hòa",
        "máy lạnh",
        "=quạt",
        "nóng",
        "màn hình",
        "chật",
        "chật chội",
        "rộng rãi",
        "sạch",
        "bẩn",
        "vệ sinh",
        "toilet",
        "wc",
        "nước uống",
        "máy in",
        "máy lấy số",
        "biển chỉ dẫn",
        "biển báo",
        "wifi",
        "phòng chờ",
        "khu vực chờ",
        "khu chờ",
        "thoáng",
        "ánh sáng",
        "thang máy",
        "xe lăn",
        "khang trang",
        "trang thiết bị",
        "thiết bị",
        "bàn",
        "máy tính",
        "=ồn",
        "=mát",
        "mát mẻ",
        "thoáng mát",
        "trụ sở",
        "lối đi",
        "dốc",
        "bút",
    ),
    "results": (
        "kết quả",
        "đúng hẹn",
        "trễ hẹn",
        "lỡ hẹn",
        "hẹn",
        "giấy hẹn",
        "ngày hẹn",
        "=trễ",
        "trễ hạn",
        "chậm trả",
        "cấp chậm",
        "thất lạc",
        "bị sai",
        "sai ngày",
        "đúng ngày",
        "quá hạn",
        "đúng hạn",
        "thời hạn",
        "sai sót",
        "sai tên",
        "sai thông tin",
        "ghi sai",
        "nhầm",
        "sửa lại",
        "giải quyết",
        "xử lý",
        "trả sớm",
        "sớm hơn",
        "chính xác",
        "sổ đỏ",
        "giấy chứng nhận",
        "được cấp",
        "cấp lại",
        "cấp đổi",
        "hoàn thành",
        "đúng thời gian",
        "trước hạn",
        "làm lại",
    ),
    "online": (
        "trực tuyến",
        "online",
        "dịch vụ công",
        "cổng dịch vụ",
        "qua mạng",
        "website",
        "trang web",
        "web",
        "ứng dụng",
        "app",
        "vneid",
        "đăng nhập",
        "tài khoản",
        "hệ thống",
        "phần mềm",
        "điện tử",
        "ký số",
        "chữ ký số",
        "tải lên",
        "upload",
        "email",
        "zalo",
        "mã otp",
        "otp",
        "mạng",
        "nộp hồ sơ trên",
        "điện thoại thông minh",
        "smartphone",
        "tra cứu",
        "qr",
    ),
}

# Phrases blanked before one topic is matched: they contain its keywords but mean something else.
MASKS: dict[str, tuple[str, ...]] = {
    "waiting": (
        "phòng chờ",
        "khu vực chờ",
        "khu chờ",
        "ghế chờ",
        "ghế ngồi chờ",
        "chỗ ngồi chờ",
        "chờ kết quả",
        "đợi kết quả",
        "máy lấy số",
    ),
    "fees": ("đồng ý", "đồng chí", "đồng bộ", "lãng phí", "tiền bạc thời gian", "tiến độ"),
    "guidance": ("thủ tục nhanh", "hỏi han", "chỉ số", "chỉ cần", "chỉ mất", "chỉ có", "chỉ phải"),
    "facilities": ("nóng tính", "nóng nảy", "nóng giận", "bàn giao", "bàn bạc", "trả lời mát", "bảng giá"),
    "results": ("hẹn giờ",),
    "online": ("mạng lưới",),
    "attitude": (),
}

# Typed abbreviations and their words (matched as whole tokens, case-insensitive).
ABBREVIATIONS: dict[str, str] = {
    "cb": "cán bộ",
    "cbcc": "cán bộ công chức",
    "cc": "công chức",
    "nv": "nhân viên",
    "ko": "không",
    "k": "không",
    "kg": "không",
    "khg": "không",
    "hok": "không",
    "hong": "không",
    "hem": "không",
    "dc": "được",
    "đc": "được",
    "dk": "được",
    "đk": "được",
    "tg": "thời gian",
    "hs": "hồ sơ",
    "tthc": "thủ tục hành chính",
    "tt": "thủ tục",
    "kq": "kết quả",
    "dvc": "dịch vụ công",
    "bpmc": "bộ phận một cửa",
    "ubnd": "ủy ban nhân dân",
    "gt": "giấy tờ",
    "hd": "hướng dẫn",
    "hdan": "hướng dẫn",
    "ng": "người",
    "trc": "trước",
    "j": "gì",
    "vs": "với",
    "bt": "bình thường",
    "onl": "online",
    "ncl": "nói chung là",
    "mn": "mọi người",
    "lp": "lệ phí",
    "đt": "điện thoại",
    "dt": "điện thoại",
    "wc": "wc",
}

_TOKEN = re.compile(r"\w+", re.UNICODE)
_HOURS = re.compile(r"(\d+)\s*(h|tiếng|tieng)\b")
_MINUTES = re.compile(r"(\d+)\s*(p|ph)\b")
_MONEY = re.compile(r"(\d+)\s*(k|nghìn|ngàn|nghin|ngan)\b")
_MILLION = re.compile(r"(\d+)\s*(tr|triệu|trieu)\b")
_VND = re.compile(r"(\d+)\s*(đ|vnđ|vnd)\b")


def fold(text: str) -> str:
    """Vietnamese without diacritics: "Đợi lâu quá" → "doi lau qua"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_diacritics(text: str) -> bool:
    """True when the comment is typed with Vietnamese diacritics (at least one accented letter
    in every ten letters, Vietnamese having one on most syllables)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    accented = sum(1 for c in letters if fold(c) != c)
    return accented * 10 >= len(letters)


def normalise(text: str) -> str:
    """NFC, lower case, units and abbreviations expanded."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _HOURS.sub(r"\1 giờ", text)
    text = _MINUTES.sub(r"\1 phút", text)
    text = _MILLION.sub(r"\1 triệu đồng", text)
    text = _MONEY.sub(r"\1 nghìn đồng", text)
    text = _VND.sub(r"\1 đồng", text)
    return _TOKEN.sub(lambda m: ABBREVIATIONS.get(m.group(0), m.group(0)), text)


@functools.cache
def _segmenter():
    try:
        from pyvi import ViTokenizer
    except ImportError:  # the rules still work syllable by syllable
        return None
    return ViTokenizer


def segment(text: str) -> str:
    """Words joined by "_" within (pyvi); the text unchanged when pyvi is not available."""
    tokenizer = _segmenter()
    if tokenizer is None or not text.strip():
        return text
    return tokenizer.tokenize(text)


def _keyword_pattern(keyword: str) -> str:
    # A keyword of several syllables matches whether or not pyvi joined them into one word; a
    # keyword never matches part of a longer word ("phí" in "lãng_phí"), since "_" is a word char.
    syllables = [re.escape(s) for s in keyword.split()]
    return r"(?<!\w)" + r"[ _]".join(syllables) + r"(?!\w)"


@functools.cache
def _compiled() -> dict[str, tuple[re.Pattern | None, re.Pattern | None, list[str], list[str]]]:
    compiled = {}
    for topic, keywords in RULES.items():
        accented = [k.lstrip("=") for k in keywords]
        unaccented = sorted({fold(k) for k in keywords if not k.startswith("=")}, key=len, reverse=True)
        accented.sort(key=len, reverse=True)
        masks = list(MASKS.get(topic, ()))
        compiled[topic] = (
            re.compile("|".join(_keyword_pattern(k) for k in accented)),
            re.compile("|".join(_keyword_pattern(k) for k in unaccented)) if unaccented else None,
            masks,
            [fold(m) for m in masks],
        )
    return compiled


def _blank(text: str, phrases: list[str]) -> str:
    for phrase in phrases:
        text = re.sub(_keyword_pattern(phrase), " ", text)
    return text


def classify(text: str, *, use_segmenter: bool = True) -> list[str]:
    """The topics of one comment, in TOPICS order; ["other"] when none matches; [] when empty."""
    if not text or not text.strip():
        return []
    normalised = normalise(text)
    accented_text = segment(normalised) if use_segmenter else normalised
    # Judged on the text as typed: expanded abbreviations bring diacritics of their own.
    unaccented_text = None if has_diacritics(text) else fold(normalised)
    found = []
    for topic, (accented_re, unaccented_re, masks, folded_masks) in _compiled().items():
        if accented_re.search(_blank(accented_text, masks)) or (
            unaccented_text is not None
            and unaccented_re is not None
            and unaccented_re.search(_blank(unaccented_text, folded_masks))
        ):
            found.append(topic)
    return [t for t in TOPICS if t in found] or ["other"]
