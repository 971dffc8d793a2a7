"""Masking of what identifies a person in a free-text comment, before it is stored.

Protects DESIGN.md's privacy rule: no phone number, e-mail address, ID number (CMND 9 digits,
CCCD 12), licence plate or bank account number is stored. People type these in many ways —
glued to a word ("sdt0912345678", "Zalo0987654321"), split by spaces, dots, slashes or dashes
("0912 345 678", "0912/345/678", "0912   345   678"), e-mails with "(at)", "[at]", " at ",
"a còng" — so the patterns accept those. Masking is greedy where it must be (any run of 9 or more
digits, whatever separates them), and two things people write every day are set aside first so
that they are never masked: dates (25/11/2026, 02.12.2026) and sums of money written with
thousand separators and their currency (150.000.000 đồng; without the currency, "123.456.789"
could be a CMND and is masked).
"""

from __future__ import annotations

import re

MASK = "[***]"

_TLD = r"(?:com|vn|net|org|edu|gov|info|biz|io|me|co|asia)"
_AT = r"(?:\s*@\s*|\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+|\s+a\s+còng\s+|\s*\(a còng\)\s*)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{]\s*(?:dot|chấm)\s*[)\]}]\s*|\s+(?:dot|chấm)\s+)"
# user@host.tld in every spelling; the spelled-out forms need a known top-level domain at the end,
# so that "cán bộ at quầy. Tốt" is left alone.
_EMAIL_PLAIN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_EMAIL_SPELLED = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}\b", re.UNICODE | re.IGNORECASE)
# Vietnamese plates: 29A-123.45, 30E 12345, 51F1-678.90, 29-B1 123.45, 59X2 12345.
_PLATE = re.compile(
    r"(?<![\w])\d{2}\s?-?\s?[A-Z]{1,2}\d?\s?-?\s?\d{3}\.?\d{2}(?![\w])|(?<![\w])\d{2}\s?-\s?[A-Z]\d\s\d{3}\.?\d{2}(?![\w])",
    re.IGNORECASE,
)
# An account number after its label, from 6 digits (short internal accounts), separators allowed.
_ACCOUNT = re.compile(
    r"((?:số\s+tài\s+khoản|tài\s+khoản|stk|tk|account|acc)\s*(?:số|no\.?)?\s*[:.]?\s*)(\d(?:[\s.\-]?\d){5,})",
    re.IGNORECASE,
)
# Runs of 9 or more digits, with up to four separators between any two (spaces, dots, dashes,
# slashes, brackets), glued to letters or not: phones, CMND/CCCD, accounts, 024 3825 1234.
_DIGIT_RUN = re.compile(r"(?<!\d)\(?\+?\d(?:[\s.\-()/]{0,4}\d){8,}\)?(?!\d)")
# Set aside before masking, put back after.
_DATE = re.compile(r"(?<!\d)(?:[0-3]?\d[/.\-][01]?\d[/.\-](?:19|20)\d{2}|[01]?\d[/.\-](?:19|20)\d{2})(?!\d)")
_MONEY = re.compile(
    r"(?<![\d.])[1-9]\d{0,2}(?:[.,]\d{3})+\s*(?:đồng|đ|vnđ|vnd|usd)(?!\w)",
    re.IGNORECASE,
)
_HELD = re.compile("\ue000(\\d+)\ue001")


def mask_comment(text: str) -> str:
    """The comment with e-mail addresses, phone numbers, ID numbers, plates and accounts masked."""
    held: list[str] = []

    def hold(match: re.Match) -> str:
        held.append(match.group(0))
        return f"\ue000{len(held) - 1}\ue001"

    text = _EMAIL_PLAIN.sub(MASK, text)
    text = _EMAIL_SPELLED.sub(MASK, text)
    text = _ACCOUNT.sub(lambda m: m.group(1) + MASK, text)
    text = _PLATE.sub(MASK, text)
    text = _DATE.sub(hold, text)
    text = _MONEY.sub(hold, text)
    text = _DIGIT_RUN.sub(MASK, text)
    return _HELD.sub(lambda m: held[int(m.group(1))], text)
