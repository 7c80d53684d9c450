"""Which endpoint addresses deliveries may go to: http(s) only, and (unless
WEBHOOKS_ALLOW_PRIVATE) only hosts whose every address is public, so an admin's URL cannot
make the server call its own network (SSRF). Checked when an endpoint is saved and again
before every attempt (a name can be re-pointed after it was saved); the attempt then connects
to the very address that was checked (transport pins it), so a name re-pointed between the
check and the connection (DNS rebinding) changes nothing."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefused(ValueError):
    """The URL cannot be used; the message says why, for the admin."""


class LookupFailed(AddressRefused):
    """The host name did not resolve (perhaps only for now: a delivery is retried)."""


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL with a host, or AddressRefused."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise AddressRefused("That is not a valid URL.") from exc
    if parts.scheme not in ("http", "https"):
        raise AddressRefused("Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname:
        raise AddressRefused("The URL needs a host name.")
    if parts.username or parts.password:
        raise AddressRefused("Put credentials in the secret, not in the URL.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise LookupFailed(f"The host {host} could not be found.") from exc
    return sorted({info[4][0] for info in infos})


def check(url: str, *, allow_private: bool) -> str:
    """The address to connect to for this URL (the one that was checked, so that the name
    cannot be re-pointed between the check and the connection); else AddressRefused."""
    _scheme, host, port = parse(url)
    found = resolve(host, port)
    if not allow_private:
        for address in found:
            if not _is_public(address):
                raise AddressRefused(
                    f"{host} points to {address}, a private, loopback or reserved address: "
                    "webhooks only go to public addresses (WEBHOOKS_ALLOW_PRIVATE allows "
                    "others)."
                )
    return found[0]
