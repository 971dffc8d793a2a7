"""Masking catches what people type (surveys.masking): a table of real-looking Vietnamese comments.

Each MASKED case names the secret that must be gone after masking; each KEPT case must come out
exactly as it went in (fees, dates, counts, legal references are what comments are about)."""

from __future__ import annotations

import re

import pytest

from surveys.masking import MASK, mask_comment

MASKED = [
    # phones, plain and split
    ("Gọi em 0912345678 nhé", "0912345678"),
    ("sđt 0912 345 678 gọi giờ hành chính", "345 678"),
    ("SĐT: 0912.345.678", "345.678"),
    ("liên hệ 0912-345-678", "345-678"),
    ("số em 0912/345/678", "345/678"),
    ("gọi 0912   345   678 giúp", "345   678"),
    ("+84 912 345 678 là số của tôi", "345 678"),
    ("(+84) 912-345-678", "345-678"),
    ("84912345678 zalo", "84912345678"),
    ("bàn 024 3825 1234 không ai nghe máy", "3825 1234"),
    ("(024) 3825.1234", "3825.1234"),
    ("gọi 091.234.5678 nhé", "234.5678"),
    # glued to words
    ("sdt0912345678 nhé", "0912345678"),
    ("Zalo0987654321 để hỏi", "0987654321"),
    ("đt:0987654321", "0987654321"),
    ("gọi0912345678giúp em", "0912345678"),
    ("hotline1900123456 không nghe", "1900123456"),
    ("Mobile:+84987654321", "84987654321"),
    # e-mails, every spelling
    ("mail an.nguyen@example.com.vn", "an.nguyen"),
    ("gửi về name(at)gmail.com giúp", "name"),
    ("email: lan.tran[at]yahoo.com", "lan.tran"),
    ("thư: minh.le at gmail.com", "minh.le"),
    ("hoa.pham {at} outlook.com", "hoa.pham"),
    ("thanhhuong a còng gmail chấm com", "thanhhuong"),
    ("tuan.vo @ gmail . com", "tuan.vo"),
    ("quang (at) hanoi (dot) gov (dot) vn", "quang"),
    ("UPPER.CASE@GMAIL.COM trả lời em", "UPPER.CASE"),
    # identity numbers
    ("CCCD 001203004567", "001203004567"),
    ("căn cước 001 203 004 567", "203 004 567"),
    ("CMND 012345678", "012345678"),
    ("số CMND: 123.456.789", "123.456.789"),
    ("CCCD:001203004567 làm lại", "001203004567"),
    ("mã định danh 079203001234 bị sai", "079203001234"),
    # licence plates
    ("xe 29A-123.45 đỗ chắn cửa", "123.45"),
    ("biển số 30E 12345 của cán bộ", "30E 12345"),
    ("xe máy 29-B1 123.45", "123.45"),
    ("ô tô 51F1-678.90 đỗ sai", "678.90"),
    ("biển 59x2 12345 bị giữ", "12345"),
    # bank accounts
    ("STK 19034567890123 Techcombank", "19034567890123"),
    ("stk: 1903 4567 8901 23", "4567 8901"),
    ("số tài khoản 0011004123456 Vietcombank", "0011004123456"),
    ("chuyển vào tài khoản số 12345678 giúp", "12345678"),
    ("TK 101010 MB bank", "101010"),
    ("Account no. 0451000123456", "0451000123456"),
    # mixed, longer comments
    ("Cán bộ Lan (0912345678) rất nhiệt tình, cảm ơn chị", "0912345678"),
    ("Hồ sơ của tôi, CCCD 001203004567, bị trả lại 2 lần", "001203004567"),
    ("Nhờ cán bộ gọi lại 0987.654.321 hoặc mail hoa@gmail.com", "654.321"),
    ("Em nộp phí 50.000 đồng rồi, gọi em 0912345678", "0912345678"),
    ("ngày 25/11/2026 em gọi 0912 345 678 không ai nghe", "345 678"),
]

KEPT = [
    "Chờ 45 phút mới đến lượt",
    "Hẹn trả ngày 25/11/2026 nhưng chưa có",
    "phí 50.000 đồng là hợp lý",
    "lệ phí 1.500.000đ hơi cao",
    "tiền sử dụng đất 150.000.000 đồng, cán bộ giải thích rõ",
    "thu 2.500.000.000 VNĐ tiền thuế",
    "quầy số 12 làm nhanh",
    "Tôi nộp 3 bộ hồ sơ, đi lại 2 lần",
    "từ 8h30 đến 11h mới xong",
    "ngày 25/11/2026 - 30/11/2026 nghỉ không báo trước",
    "từ 01/12/2025 đến 15/01/2026 mới trả kết quả",
    "hẹn trả 02.12.2026",
    "tháng 10/2025 và tháng 11/2025 đều chậm",
    "năm 2025 và 2026 tốt hơn",
    "số thứ tự 105, chờ đến số 230",
    "thủ tục 1.001193 cần thêm giấy tờ",
    "Theo Nghị định 63/2010/NĐ-CP thì phải niêm yết",
    "Quyết định 766/QĐ-TTg",
    "Tôi chấm 4/5 điểm",
    "tầng 3 phòng 301",
    "gặp lúc 14:30 chiều",
    "email không nhận được thông báo",
    "cán bộ at quầy. Tốt",
    "I waited at counter 3. Good service overall",
    "Xe máy gửi ở bãi mất 5.000đ",
    "12 hồ sơ trong tuần mà chỉ 1 cán bộ",
    "Cảm ơn cán bộ phường Ba Đình, rất tận tình!",
    "Ghế chờ thiếu, 20 người đứng",
    "Phòng chờ nóng, 35 độ",
    "Đợi 2 tiếng 15 phút",
    "Mất 3 ngày thay vì 1 ngày như quy định",
]


@pytest.mark.parametrize(("text", "secret"), MASKED)
def test_identifying_numbers_and_addresses_are_masked(text, secret):
    masked = mask_comment(text)
    assert MASK in masked, masked
    assert secret not in masked, masked
    digits = re.sub(r"\D", "", secret)
    if len(digits) >= 6:
        assert digits not in re.sub(r"\D", "", masked), masked


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_comments_are_kept_as_written(text):
    assert mask_comment(text) == text


def test_the_table_is_large_enough():
    assert len(MASKED) + len(KEPT) >= 60
