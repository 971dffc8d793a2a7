"""Receipt codes: 50 random bits from `secrets`, Crockford base32, shown as 7K2F-9QXM-A3.

Crockford's alphabet has no I, L, O or U, so a code read aloud or typed from paper is not
ambiguous; typing is forgiving: any case, dashes and spaces ignored, O read as 0, I and L as 1.
Also the reply key's alphabet and the API token key's prefix and hash.
"""

from __future__ import annotations

import hashlib
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


# The reply key: shown once to the citizen who left a comment, kept in a cookie on their device;
# with the receipt code it opens the unit's reply (feedback.reply_keys). 8 symbols × 5 bits = 40 bits.
REPLY_KEY_LENGTH = 8


def generate_reply_key() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(REPLY_KEY_LENGTH))


def normalise_reply_key(raw: str) -> str | None:
    """As forgiving as codes (case, dashes, spaces, O/I/L); None when it cannot be a key."""
    if not raw:
        return None
    cleaned = raw.strip().upper().translate(_SEPARATORS).translate(_CONFUSABLE)
    if len(cleaned) != REPLY_KEY_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_code(code: str) -> str:
    """7K2F9QXMA3 → 7K2F-9QXM-A3; a reply key 4HX9QK2M → 4HX9-QK2M."""
    return "-".join(part for part in (code[:4], code[4:8], code[8:]) if part)


# API token keys (surveys.manage.services creates them, surveys.api checks them): a prefix that
# says what the string is, and the SHA-256 that is all the database keeps of a key.
TOKEN_PREFIX = "td_"


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
