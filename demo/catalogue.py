"""Facts and phrases of the demo city: departments, procedures, counters and citizens' comments.

Procedure codes follow the National Database of Administrative Procedures (mã TTHC, "1.001193");
the common ones (birth, marriage and death registration, certified copies, household business
registration) carry their national codes, the rest realistic codes in the same form. Demo data
only: check codes against the national database before any real use.
"""

from __future__ import annotations

from pathlib import Path

CITY_CODE = "01"
# Hanoi's units and their history, copied from vn-admin-units-2025 (see agencies/data/).
HANOI_FILE = Path(__file__).resolve().parents[1] / "agencies" / "data" / "hanoi.json"
BOUNDARIES_FILE = Path(__file__).resolve().parents[1] / "agencies" / "data" / "boundaries" / "hanoi-2025-wards.geojson"

# (code, Vietnamese, English, kind)
DEPARTMENTS = [
    ("01-SNV", "Sở Nội vụ", "Department of Home Affairs"),
    ("01-STP", "Sở Tư pháp", "Department of Justice"),
    ("01-STC", "Sở Tài chính", "Department of Finance"),
    ("01-SXD", "Sở Xây dựng", "Department of Construction"),
    ("01-SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("01-SCT", "Sở Công Thương", "Department of Industry and Trade"),
    ("01-SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("01-SYT", "Sở Y tế", "Department of Health"),
    ("01-SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("01-SVHTT", "Sở Văn hóa và Thể thao", "Department of Culture and Sports"),
    ("01-SDL", "Sở Du lịch", "Department of Tourism"),
    ("01-SQHKT", "Sở Quy hoạch - Kiến trúc", "Department of Planning and Architecture"),
    ("01-SDTTG", "Sở Dân tộc và Tôn giáo", "Department of Ethnic and Religious Affairs"),
]
CENTRE = (
    "01-TTPVHCC",
    "Trung tâm Phục vụ hành chính công thành phố Hà Nội",
    "Hanoi Public Administrative Service Centre",
)

# Level "commune": handled at every ward's and commune's one-stop shop; otherwise the code of the
# department that handles it (its dossiers are also received at the city's service centre).
# (code, Vietnamese, English, field (vi), level, relative frequency)
PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "Birth registration", "Hộ tịch", "commune", 20),
    ("1.000894", "Đăng ký kết hôn", "Marriage registration", "Hộ tịch", "commune", 6),
    ("1.000656", "Đăng ký khai tử", "Death registration", "Hộ tịch", "commune", 3),
    ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Certificate of marital status", "Hộ tịch", "commune", 8),
    ("2.000635", "Cấp bản sao Trích lục hộ tịch", "Copy of a civil status extract", "Hộ tịch", "commune", 6),
    (
        "1.001022",
        "Đăng ký nhận cha, mẹ, con",
        "Registration of the recognition of a parent or child",
        "Hộ tịch",
        "commune",
        1,
    ),
    (
        "1.004859",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        "Change, correction or completion of civil status details",
        "Hộ tịch",
        "commune",
        2,
    ),
    ("1.004884", "Đăng ký lại khai sinh", "Re-registration of a birth", "Hộ tịch", "commune", 1),
    ("1.004837", "Đăng ký giám hộ", "Guardianship registration", "Hộ tịch", "commune", 0.3),
    (
        "2.000908",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
        "Certified copy from an original issued by a Vietnamese authority",
        "Chứng thực",
        "commune",
        25,
    ),
    (
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Certification of a signature",
        "Chứng thực",
        "commune",
        6,
    ),
    (
        "2.001035",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
        "Certification of a contract about movable property",
        "Chứng thực",
        "commune",
        2,
    ),
    ("2.001019", "Chứng thực di chúc", "Certification of a will", "Chứng thực", "commune", 0.5),
    (
        "1.012756",
        "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "First registration of land and a first land-use right certificate",
        "Đất đai",
        "commune",
        3,
    ),
    (
        "1.012766",
        "Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho, thừa kế",
        "Registration of a land-use right transfer, gift or inheritance",
        "Đất đai",
        "commune",
        5,
    ),
    (
        "1.012787",
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
        "Replacement of a land-use right certificate",
        "Đất đai",
        "commune",
        2,
    ),
    ("1.012798", "Chuyển mục đích sử dụng đất", "Change of land use", "Đất đai", "commune", 0.8),
    ("2.001711", "Hòa giải tranh chấp đất đai", "Mediation of a land dispute", "Đất đai", "commune", 0.5),
    (
        "1.009994",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Construction permit for a private house",
        "Xây dựng",
        "commune",
        3,
    ),
    (
        "1.009995",
        "Cấp giấy phép sửa chữa, cải tạo nhà ở riêng lẻ",
        "Permit to repair or renovate a private house",
        "Xây dựng",
        "commune",
        1,
    ),
    ("1.009998", "Gia hạn giấy phép xây dựng", "Extension of a construction permit", "Xây dựng", "commune", 0.3),
    (
        "2.000720",
        "Đăng ký thành lập hộ kinh doanh",
        "Registration of a household business",
        "Thành lập và hoạt động của hộ kinh doanh",
        "commune",
        5,
    ),
    (
        "2.000575",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Change of a household business registration",
        "Thành lập và hoạt động của hộ kinh doanh",
        "commune",
        2,
    ),
    (
        "2.000644",
        "Thông báo tạm ngừng, tiếp tục kinh doanh của hộ kinh doanh",
        "Suspension or resumption of a household business",
        "Thành lập và hoạt động của hộ kinh doanh",
        "commune",
        1,
    ),
    (
        "2.000639",
        "Chấm dứt hoạt động hộ kinh doanh",
        "Closure of a household business",
        "Thành lập và hoạt động của hộ kinh doanh",
        "commune",
        1,
    ),
    (
        "1.001776",
        "Trợ giúp xã hội thường xuyên tại cộng đồng",
        "Monthly social assistance",
        "Bảo trợ xã hội",
        "commune",
        1.5,
    ),
    (
        "1.001758",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Funeral cost support",
        "Bảo trợ xã hội",
        "commune",
        0.5,
    ),
    (
        "1.010805",
        "Xác nhận hộ gia đình làm nông nghiệp có mức sống trung bình",
        "Certification of a farming household of average living standard",
        "Bảo trợ xã hội",
        "commune",
        0.4,
    ),
    ("1.003005", "Đăng ký nuôi con nuôi trong nước", "Domestic adoption registration", "Nuôi con nuôi", "commune", 0.2),
    (
        "1.001612",
        'Thủ tục xét, công nhận danh hiệu "Gia đình văn hóa"',
        'Recognition as a "cultured family"',
        "Văn hóa cơ sở",
        "commune",
        0.3,
    ),
    (
        "2.001417",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
        "Criminal record certificate",
        "Lý lịch tư pháp",
        "01-STP",
        10,
    ),
    (
        "1.001596",
        "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
        "Registration of a single-member limited liability company",
        "Thành lập và hoạt động doanh nghiệp",
        "01-STC",
        3,
    ),
    (
        "2.000291",
        "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
        "Work permit for a foreign employee",
        "Việc làm",
        "01-SNV",
        1.5,
    ),
    (
        "1.009972",
        "Cấp giấy phép xây dựng mới đối với công trình cấp II, cấp III",
        "Construction permit for a grade II or III building",
        "Xây dựng",
        "01-SXD",
        0.6,
    ),
    (
        "1.012801",
        "Đăng ký biến động đất đai đối với tổ chức",
        "Registration of land changes for organisations",
        "Đất đai",
        "01-SNNMT",
        0.6,
    ),
    (
        "2.000620",
        "Cấp Giấy phép bán lẻ sản phẩm rượu",
        "Licence to retail alcoholic beverages",
        "Lưu thông hàng hóa",
        "01-SCT",
        0.8,
    ),
    (
        "2.000591",
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "Food safety certificate for a business",
        "An toàn thực phẩm",
        "01-SCT",
        0.8,
    ),
    (
        "1.004616",
        "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
        "Medical practice certificate",
        "Khám bệnh, chữa bệnh",
        "01-SYT",
        0.7,
    ),
    (
        "1.005092",
        "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
        "Copy of a diploma from the original register",
        "Văn bằng, chứng chỉ",
        "01-SGDDT",
        1,
    ),
    (
        "1.001432",
        "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
        "Domestic tour operator licence",
        "Lữ hành",
        "01-SDL",
        0.3,
    ),
    (
        "1.003217",
        "Cấp giấy phép tổ chức biểu diễn nghệ thuật",
        "Permit for an art performance",
        "Nghệ thuật biểu diễn",
        "01-SVHTT",
        0.3,
    ),
    (
        "1.001085",
        "Đăng ký hoạt động tín ngưỡng",
        "Registration of a religious belief activity",
        "Tín ngưỡng, tôn giáo",
        "01-SDTTG",
        0.1,
    ),
    (
        "1.008384",
        "Cấp giấy phép quy hoạch dự án đầu tư xây dựng",
        "Planning permit for a construction project",
        "Quy hoạch - kiến trúc",
        "01-SQHKT",
        0.2,
    ),
    (
        "1.003583",
        "Cấp giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
        "Registration of a science and technology organisation",
        "Hoạt động khoa học và công nghệ",
        "01-SKHCN",
        0.2,
    ),
]

# Counters of a ward's or commune's one-stop shop, each for a group of fields.
COUNTERS = [
    (
        "Q1",
        "Quầy số 1 — Hộ tịch, chứng thực",
        "Counter 1 — Civil status, certification",
        {"Hộ tịch", "Chứng thực", "Nuôi con nuôi"},
    ),
    ("Q2", "Quầy số 2 — Đất đai, xây dựng", "Counter 2 — Land, construction", {"Đất đai", "Xây dựng"}),
    (
        "Q3",
        "Quầy số 3 — Kinh doanh, chính sách xã hội",
        "Counter 3 — Business, social policy",
        {"Thành lập và hoạt động của hộ kinh doanh", "Bảo trợ xã hội", "Văn hóa cơ sở"},
    ),
]

# The demo accounts: one per role (DESIGN.md, People).
DEMO_WARD = "00004"  # Phường Ba Đình
ACCOUNTS = [
    # (username, role, unit code)
    ("staff.badinh", "staff", DEMO_WARD),
    ("manager.badinh", "manager", DEMO_WARD),
    ("admin.hanoi", "administrator", CITY_CODE),
]

# Citizens' comments in Vietnamese: the texts of the topic rules' labelled set (see the file's
# header), each with the tone of the ratings it goes with; masked as the submit service would.
COMMENTS_FILE = Path(__file__).resolve().parent / "data" / "comments_vi.tsv"
TONES = ("positive", "neutral", "negative")


def load_comments(path: Path = COMMENTS_FILE) -> dict[str, list[str]]:
    """Comment texts by tone, in file order (so a seed gives the same comments every time)."""
    from surveys.masking import mask_comment

    pools: dict[str, list[str]] = {tone: [] for tone in TONES}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "tone\t")):
            continue
        tone, text = line.split("\t", 1)
        if tone not in pools:
            raise ValueError(f"{path.name}: unknown tone {tone!r} in {line!r}")
        pools[tone].append(mask_comment(text.strip()))
    return pools


_POOLS = load_comments()
COMMENTS_POSITIVE = _POOLS["positive"]
COMMENTS_NEUTRAL = _POOLS["neutral"]
COMMENTS_NEGATIVE = _POOLS["negative"]
COMMENTS_MIXED = COMMENTS_NEUTRAL + COMMENTS_NEGATIVE
COMMENTS_ENGLISH_POSITIVE = [
    "Staff were helpful and patient, thank you.",
    "Very efficient service, the result was ready before the appointment.",
    "Clear instructions and a clean waiting area.",
]
COMMENTS_ENGLISH_NEGATIVE = [
    "Had to come back twice because of a missing document nobody told me about.",
    "Signs are only in Vietnamese, hard to find the right counter.",
    "Waited a long time and the result was late.",
]

EXCLUSION_REASON = "Gửi hàng loạt từ cùng một thiết bị (tự động phát hiện)"
