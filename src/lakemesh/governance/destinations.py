"""Where webhooks may POST: public hosts, and internal ones only when the operator lists them.

A domain Admin configures webhooks, so without this check the server would call any address it can reach
for them (cloud metadata services, the catalog database, admin ports on loopback): server-side request
forgery. Every address that is not globally routable (`not ip.is_global`: loopback, private, link-local,
carrier-grade NAT 100.64.0.0/10, documentation, reserved, multicast) is refused unless
`LAKEMESH_WEBHOOK_URL_ALLOWLIST` names the host; IPv6 forms that carry an IPv4 address (IPv4-mapped,
6to4, Teredo) are judged by the address they carry. The check runs when a webhook is saved and again
before every delivery, and the delivery connects to the very address that was checked (pinned, with the
URL's host kept in the Host header and TLS SNI), so a DNS answer that changes between check and connect
(DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from lakemesh.core.errors import Forbidden

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the operating system's resolver, in its order."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def carried(ip: IPAddress) -> list[IPAddress]:
    """The address itself and any IPv4 address an IPv6 form carries (mapped, 6to4, Teredo server and client)."""
    found: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
    return found


def is_internal(ip: IPAddress) -> bool:
    """True for every address that is not globally routable, directly or through the IPv4 address it carries."""
    return any(not a.is_global or a.is_multicast or a.is_unspecified for a in carried(ip))


class WebhookDestinations:
    def __init__(self, allowed: str | None = None, *, resolver: Resolver | None = None) -> None:
        self.allowed = frozenset(e.strip().lower() for e in (allowed or "").replace(";", ",").split(",") if e.strip())
        self.resolver = resolver or system_resolver

    def check(self, url: str) -> str | None:
        """The address to connect to for `url`, checked; Forbidden when it is internal and not allowed.

        None when the host does not resolve (saving such a webhook is allowed; its delivery fails and is recorded).
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(host, port)]
        except (OSError, UnicodeError, ValueError):
            return None
        if not addresses:
            return None
        if host in self.allowed or f"{host}:{port}" in self.allowed:
            return str(addresses[0])
        for ip in addresses:
            if is_internal(ip):
                raise Forbidden(
                    f"{host!r} resolves to an internal address ({ip}); webhooks call public hosts only, "
                    "unless LAKEMESH_WEBHOOK_URL_ALLOWLIST lists it"
                )
        return str(addresses[0])
