"""The HTTP side of a delivery: one signed POST with timeouts, no redirects followed and no
proxies from the environment, reporting what happened (never raising for the network)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from support.webhooks import signing

USER_AGENT = "Parley-Webhooks/1"
KEEP_BODY = 2000  # characters of the receiver's answer kept for the delivery log


@dataclass(frozen=True)
class Outcome:
    """What the receiver answered (status, the start of its body) or why nothing came back."""

    status: int | None = None
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx answer is a delivery; anything else is tried again."""
        return self.status is not None and 200 <= self.status < 300


def headers(*, secret: str, event: str, delivery: str, body: bytes,
            timestamp: int | None = None) -> dict[str, str]:
    """The headers of a delivery, signature included."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Parley-Event": event,
        "X-Parley-Delivery": delivery,
        "X-Parley-Timestamp": str(timestamp),
        "X-Parley-Signature": signing.signature(secret, timestamp, body),
    }


def _read_start(response: requests.Response) -> str:
    raw = response.raw.read(KEEP_BODY * 4, decode_content=True) or b""
    return raw.decode(response.encoding or "utf-8", errors="replace")[:KEEP_BODY]


def post(*, url: str, body: bytes, secret: str, event: str, delivery: str,
         timeout: float) -> Outcome:
    """POST a delivery; connection errors and timeouts come back as an Outcome."""
    with requests.Session() as session:
        session.trust_env = False  # no proxies or .netrc from the environment
        try:
            response = session.post(
                url, data=body, timeout=(min(timeout, 5.0), timeout), allow_redirects=False,
                stream=True,
                headers=headers(secret=secret, event=event, delivery=delivery, body=body),
            )
        except requests.RequestException as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}"[:500])
        with response:
            try:
                text = _read_start(response)
            except (requests.RequestException, OSError) as exc:
                text = f"(could not read the answer: {exc})"
            return Outcome(status=response.status_code, body=text)
