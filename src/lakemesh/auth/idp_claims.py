"""Who a token from the IdP says it is, in Lakemesh's words: the claims read once, with the configured claim names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lakemesh.auth.oidc import REFUSED, OidcConfig
from lakemesh.core.errors import Unauthorized
from lakemesh.core.names import looks_like_email

MAX_GROUPS = 1_000
_CLIENT_CLAIMS = ("azp", "client_id", "cid", "appid")


@dataclass(frozen=True)
class IdpClaims:
    """A person or a workload (client-credentials token) at the issuer; `groups` go to group sync after h20a."""

    issuer: str
    subject: str
    name: str
    email: str | None
    email_verified: bool | None
    display_name: str | None
    groups: tuple[str, ...]
    is_service: bool


def read_claims(config: OidcConfig, raw: dict[str, Any]) -> IdpClaims:
    subject = raw.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255 or not subject.isprintable():
        raise Unauthorized(REFUSED)  # a catalog key: NUL or control characters never reach it
    client = next((str(raw[c]) for c in _CLIENT_CLAIMS if isinstance(raw.get(c), str)), None)
    username = _text(raw.get("preferred_username")) or ""
    # Client-credentials tokens: Entra marks them `idtyp: app`, Okta and Auth0 make the client the subject,
    # Keycloak names the user `service-account-<client>`.
    is_service = (
        raw.get("idtyp") == "app"
        or raw.get("gty") == "client-credentials"
        or (client is not None and subject == client)
        or username.startswith("service-account-")
    )
    if is_service:
        name = username or client or subject
        display = raw.get("app_displayname") or raw.get(config.display_name_claim) or name
        return IdpClaims(config.issuer, subject, name[:128], None, None, _text(display), (), True)
    name = next((_text(raw[c]) for c in config.name_claims if _text(raw.get(c))), None) or subject
    email = _text(raw.get("email"))
    if email is None and looks_like_email(name):
        email = name
    if email is not None and not looks_like_email(email):
        email = None
    verified = raw.get("email_verified")
    return IdpClaims(
        issuer=config.issuer,
        subject=subject,
        name=name.strip()[:128],
        email=email.lower() if email else None,
        email_verified=verified in {True, "true"} if verified is not None else None,
        display_name=_text(raw.get(config.display_name_claim)),
        groups=_groups(raw.get(config.groups_claim)),
        is_service=False,
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return "".join(ch for ch in value if ch.isprintable()).strip()[:256] or None


def _groups(value: Any) -> tuple[str, ...]:
    """Group names as sent (Entra sends object ids unless configured to send names); odd entries are dropped."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    names = [g.strip() for g in value if isinstance(g, str) and g.strip() and len(g) <= 256 and g.isprintable()]
    return tuple(dict.fromkeys(names))[:MAX_GROUPS]
