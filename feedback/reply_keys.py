"""Reply keys: what lets the citizen, and nobody else, read the reply to their comment.

The receipt code is not enough: it is printed by the one-stop software, so the clerk who handled
the dossier knows it. At submission (in the response's own transaction, see surveys.signals),
a receipt response with a comment gets a random key of 8 symbols from the receipt codes'
alphabet (40 bits). Only a keyed hash of it is stored (HMAC-SHA256 with SECRET_KEY, salted with
the response id); the key itself goes to the citizen's device only, shown on the thank-you page
and kept in an HttpOnly cookie scoped to the receipt's path (surveys.reply_cookie).

A wrong key counts towards the same rate limit as a wrong code. Rotating SECRET_KEY makes every
key stop working (the replies stay; their citizens can no longer open them).
"""

from __future__ import annotations

import hmac

from django.utils.crypto import salted_hmac

from surveys.codes import generate_reply_key
from surveys.models import Receipt

from .models import ReplyKey

_SALT = "thuocdo.feedback.reply_key"


def key_hash(*, response_id: int, key: str) -> str:
    return salted_hmac(_SALT, f"{response_id}:{key}", algorithm="sha256").hexdigest()


def issue(*, response) -> str | None:
    """Make and store the key of a new response; None when nothing could ever be replied to.

    Only receipt responses with a comment get one: kiosk and open-link answers have no code to
    come back with, and a response without a comment has nothing to answer.
    """
    if response.receipt_id is None or not response.comment:
        return None
    key = generate_reply_key()
    ReplyKey.objects.create(response=response, key_hash=key_hash(response_id=response.pk, key=key))
    return key


def matches(*, receipt: Receipt, key: str) -> bool:
    """Whether `key` (normalised) is the key of the response given with this receipt.

    Takes the same time whether or not the receipt was answered, so a timing cannot tell.
    """
    stored = ReplyKey.objects.filter(response__receipt=receipt).values_list("response_id", "key_hash").first()
    response_id, expected = stored if stored else (0, "0" * 64)
    return hmac.compare_digest(key_hash(response_id=response_id, key=key), expected) and stored is not None
