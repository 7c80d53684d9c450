"""The HTTP side of a delivery: one signed POST with timeouts, to the address that was
checked (pinned), no redirects followed and no proxies from the environment, reporting what
happened (never raising for the network)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

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


def _pinned_new_conn(self):
    """urllib3's connect, to the checked address instead of a fresh lookup of the host."""
    try:
        return create_connection((self.pinned_address, self.port), self.timeout,
                                 source_address=self.source_address,
                                 socket_options=self.socket_options)
    except TimeoutError as exc:
        raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
    except OSError as exc:
        raise NewConnectionError(self, f"Failed to connect to {self.host}: {exc}") from exc


def pinned_adapter(address: str) -> HTTPAdapter:
    """An adapter whose connections all go to `address`; the URL's host name still names
    the server (Host header, TLS server name and certificate check)."""
    attrs = {"pinned_address": address, "_new_conn": _pinned_new_conn}
    plain = type("PinnedHTTPConnection", (HTTPConnection,), attrs)
    tls = type("PinnedHTTPSConnection", (HTTPSConnection,), attrs)
    pools = {"http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
             "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls})}

    class PinnedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

    return PinnedAdapter()


def post(*, url: str, body: bytes, secret: str, event: str, delivery: str,
         timeout: float, pin: str | None = None) -> Outcome:
    """POST a delivery (to the `pin` address when given); connection errors and timeouts
    come back as an Outcome."""
    with requests.Session() as session:
        session.trust_env = False  # no proxies or .netrc from the environment
        if pin is not None:
            adapter = pinned_adapter(pin)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
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
