"""Rate limits for the citizen pages, kept in Django's cache.

The client is identified by a salted hash of its address (or by the kiosk's id), never by the
raw IP: the address is never written anywhere, not even in the cache key. A client that goes over
its limit is held for a cool-down; for codes, the cool-down slows the address to one checked try
every few seconds instead of refusing everything (a shared address carries real citizens too),
so that guessing codes stays hopeless (50-bit codes, about 10 tries a minute) and nobody with a
valid code is locked out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


@dataclass(frozen=True)
class Limit:
    """`tries` per `window` seconds; going over blocks the client for `cooldown` seconds."""

    tries: int
    window: int
    cooldown: int


def _limit(name: str, default: tuple[int, int, int]) -> Limit:
    configured = getattr(settings, "SURVEY_RATE_LIMITS", {}).get(name, default)
    return Limit(*configured)


LIMITS = {
    # Wrong codes typed or opened, per client address.
    "code": (10, 60, 300),
    # Open-link submissions, per client address.
    "link": (5, 600, 600),
    # Kiosk submissions, per device: a counter serves at most a few citizens a minute.
    "kiosk": (12, 60, 120),
}


def client_address(request) -> str:
    """The address the request came from.

    Behind N reverse proxies (setting NUM_PROXIES), the client is the N-th address from the right
    of X-Forwarded-For: the ones further left were written by the client and cannot be trusted.
    Without it, every citizen behind the proxy would share one rate limit.
    """
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_hash(request) -> str:
    """Salted, keyed hash of the client address: lets us count and spot bursts, cannot be reversed."""
    return salted_hmac("thuocdo.client", client_address(request), algorithm="sha256").hexdigest()


def device_hash(kiosk_id: int) -> str:
    return salted_hmac("thuocdo.kiosk", str(kiosk_id), algorithm="sha256").hexdigest()


def _keys(scope: str, ident: str) -> tuple[str, str]:
    return f"rl:{scope}:{ident[:32]}:n", f"rl:{scope}:{ident[:32]}:block"


def blocked_for(scope: str, ident: str) -> int:
    """Seconds left in the client's cool-down, 0 when it may try."""
    _, block_key = _keys(scope, ident)
    until = cache.get(block_key)
    if until is None:
        return 0
    return max(0, int(until - time.time()) + 1)


def hit(scope: str, ident: str) -> int:
    """Count one try; returns the seconds to wait when this try went over the limit, else 0."""
    limit = _limit(scope, LIMITS[scope])
    count_key, block_key = _keys(scope, ident)
    # add() only sets the key when it is absent, so the window starts at the first try.
    if cache.add(count_key, 1, timeout=limit.window):
        count = 1
    else:
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add() and incr()
            cache.set(count_key, 1, timeout=limit.window)
            count = 1
    if count > limit.tries:
        cache.set(block_key, time.time() + limit.cooldown, timeout=limit.cooldown)
        return limit.cooldown
    return 0


def trickle_seconds() -> int:
    """While a client cools down, one try every this many seconds is still checked (surveys.citizen.views)."""
    return max(1, getattr(settings, "CODE_TRICKLE_SECONDS", 6))


def trickle(scope: str, ident: str) -> bool:
    """True at most once per trickle_seconds() for a client in cool-down: this try may be checked."""
    return cache.add(f"rl:{scope}:{ident[:32]}:trickle", 1, timeout=trickle_seconds())


def reset(scope: str, ident: str) -> None:
    cache.delete_many(list(_keys(scope, ident)))
