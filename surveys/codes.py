"""Receipt codes: 50 random bits from `secrets`, Crockford base32, shown as 7K2F-9QXM-A3.

Crockford's alphabet has no I, L, O or U, so a code read aloud or typed from paper is not
ambiguous; typing is forgiving: any case, dashes and spaces ignored, O read as 0, I and L as 1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 10 symbols × 5 bits = 50 random bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\t")


def generate_code() -> str:
    """A fresh normalised code (no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be a code at all."""
    if not raw:
        return None
    cleaned = raw.strip().upper().translate(_SEPARATORS).translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_code(code: str) -> str:
    """7K2F9QXMA3 → 7K2F-9QXM-A3."""
    return "-".join(part for part in (code[:4], code[4:8], code[8:]) if part)
