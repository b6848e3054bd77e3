"""Where webhooks may POST: public hosts, and internal ones only when the operator lists them.

A domain Admin configures webhooks, so without this check the server would call any address it can reach
for them (cloud metadata services, the catalog database, admin ports on loopback): server-side request
forgery. Hosts resolving to loopback, private, link-local, multicast or reserved addresses are refused
unless `LAKEMESH_WEBHOOK_URL_ALLOWLIST` names them. The check runs when a webhook is saved and again before
every delivery, because DNS answers can change.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from lakemesh.core.errors import Forbidden


class WebhookDestinations:
    def __init__(self, allowed: str | None = None) -> None:
        self.allowed = frozenset(e.strip().lower() for e in (allowed or "").replace(";", ",").split(",") if e.strip())

    def check(self, url: str) -> None:
        """Raise Forbidden when `url` reaches an internal address that is not allowed; unresolvable hosts pass
        (the delivery itself fails and is recorded)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if host in self.allowed or f"{host}:{port}" in self.allowed:
            return
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
        except (OSError, UnicodeError):
            return
        for address in sorted(addresses):
            ip = ipaddress.ip_address(address.split("%")[0])
            if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved:
                raise Forbidden(
                    f"{host!r} resolves to an internal address ({ip}); webhooks call public hosts only, "
                    "unless LAKEMESH_WEBHOOK_URL_ALLOWLIST lists it"
                )
            if ip.is_unspecified:
                raise Forbidden(f"{host!r} resolves to an unspecified address ({ip})")
