"""How deliveries are signed, and how a receiver checks them: HMAC-SHA256, keyed with the
endpoint's secret, over "<X-Parley-Timestamp>.<raw body>"; sent as
``X-Parley-Signature: sha256=<hex digest>``. Pure: stdlib only, so a receiver can copy it."""
from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "sha256"
TOLERANCE_SECONDS = 300  # a receiver refuses a delivery signed longer ago (a replay)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Parley-Signature header value for a body sent at `timestamp` (Unix seconds)."""
    signed = str(int(timestamp)).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(secret: str, body: bytes, timestamp: str, header: str, *,
           now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: a fresh timestamp and a signature that matches, compared in
    constant time."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), header or "")
