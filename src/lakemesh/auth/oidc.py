"""The company's OpenID Connect provider: discovery, its signing keys, and checking the tokens it issues.

JWTs are checked with joserfc (signature, `iss`, `aud`, `exp`/`nbf` with a small leeway, an allow-list of asymmetric
algorithms); the provider's keys are cached and fetched again when a token names a key id we have not seen, so a
key rotation at the IdP needs no restart. Opaque access tokens are checked at the provider (introspection when we are
a confidential client and it offers it, else userinfo) and the answer is reused for at most a few minutes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption

from lakemesh.core.errors import ServiceUnavailable, Unauthorized
from lakemesh.core.settings import Settings

REFUSED = "Invalid, expired or revoked token"  # one message for every failure: nothing about why leaks
MAX_TOKEN_CHARS = 16_384
_UNKNOWN_KID_FETCHES = 5  # JWKS fetches for unknown key ids per minute: rotation works, a flood of kids does not
_OPAQUE_CACHE_SIZE = 10_000


class NeedsNetwork(Exception):
    """Checking this token needs a call to the provider; the async API path retries it off the event loop."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    cli_client_id: str
    provider_name: str
    scopes: str
    audiences: tuple[str, ...]
    algorithms: tuple[str, ...]
    leeway: int
    name_claims: tuple[str, ...]
    display_name_claim: str
    groups_claim: str
    opaque_ttl: int
    link_by_email: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        if not settings.oidc_issuer or not settings.oidc_client_id:
            return None
        secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        cli_client = settings.oidc_cli_client_id or settings.oidc_client_id
        audiences = _csv(settings.oidc_audience) or tuple(dict.fromkeys((settings.oidc_client_id, cli_client)))
        # `none` and HMAC algorithms are never accepted, whatever the setting says: an HMAC "signed" with the
        # provider's public key is the classic forgery.
        algorithms = tuple(a for a in _csv(settings.oidc_algorithms) if a.lower() != "none" and not a.startswith("HS"))
        return cls(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=secret,
            cli_client_id=settings.oidc_cli_client_id or settings.oidc_client_id,
            provider_name=settings.oidc_provider_name,
            scopes=settings.oidc_scopes,
            audiences=audiences,
            algorithms=algorithms,
            leeway=settings.oidc_leeway_seconds,
            name_claims=_csv(settings.oidc_name_claims),
            display_name_claim=settings.oidc_display_name_claim,
            groups_claim=settings.oidc_groups_claim,
            opaque_ttl=settings.oidc_opaque_cache_seconds,
            link_by_email=settings.oidc_link_by_email,
        )


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class IdentityProvider:
    """One configured issuer; thread-safe, shared by every request of the process."""

    def __init__(self, config: OidcConfig, http: httpx.Client | None = None) -> None:
        self.config = config
        self._http = http or httpx.Client(timeout=10.0, follow_redirects=False)
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self._kid_fetches: list[float] = []
        self._opaque: dict[str, tuple[float, dict[str, Any]]] = {}
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}

    # -- provider documents ------------------------------------------------------------------
    def metadata(self, *, offline: bool = False) -> dict[str, Any]:
        """The discovery document, fetched once; its `issuer` must be exactly the configured one."""
        if self._metadata is not None:
            return self._metadata
        if offline:
            raise NeedsNetwork
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        if document.get("issuer") != self.config.issuer:
            raise ServiceUnavailable("The identity provider's discovery document names another issuer")
        self._metadata = document
        return document

    def _get_json(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.get(url, **kwargs)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServiceUnavailable("The identity provider cannot be reached; try again shortly") from exc
        if not isinstance(body, dict):
            raise ServiceUnavailable("The identity provider answered with something unexpected")
        return body

    def _key_set(self, kid: str | None, *, offline: bool) -> KeySet:
        """The cached keys; fetched again when a token names an unknown key id (rate-limited)."""
        keys = self._keys
        if keys is not None and (kid is None or kid in self._kids):
            return keys
        if offline:
            raise NeedsNetwork
        with self._lock:
            if self._keys is not None and (kid is None or kid in self._kids):
                return self._keys
            now = time.monotonic()
            self._kid_fetches = [t for t in self._kid_fetches if now - t < 60]
            if self._keys is not None and len(self._kid_fetches) >= _UNKNOWN_KID_FETCHES:
                raise Unauthorized(REFUSED)
            self._kid_fetches.append(now)
            document = self._get_json(str(self.metadata()["jwks_uri"]))
            try:
                fetched = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ServiceUnavailable("The identity provider's signing keys cannot be read") from exc
            self._keys = fetched
            self._kids = frozenset(str(k.kid) for k in fetched.keys if k.kid)
        if kid is not None and kid not in self._kids:
            raise Unauthorized(REFUSED)
        return fetched

    # -- tokens ------------------------------------------------------------------------------
    def access_token_claims(self, token: str, *, offline: bool = False) -> dict[str, Any]:
        """The claims of an API bearer token from the provider, JWT or opaque; Unauthorized when not valid."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized(REFUSED)
        if looks_like_jwt(token):
            return self._checked_jwt(token, offline=offline)
        return self._opaque_claims(token, offline=offline)

    def _checked_jwt(self, token: str, *, offline: bool) -> dict[str, Any]:
        """A JWT checked once is reused until it expires (at most 5 minutes): the same bytes verify the same way,
        so a client sending one token per request pays for the signature once, not on every call."""
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        claims = self.jwt_claims(token, self.config.audiences, offline=offline)
        until = min(float(claims["exp"]) + self.config.leeway, now + 300)
        if len(self._verified) >= _OPAQUE_CACHE_SIZE:
            self._verified = {k: v for k, v in self._verified.items() if v[0] > now}
        if len(self._verified) < _OPAQUE_CACHE_SIZE:
            self._verified[token] = (until, claims)
        return claims

    def jwt_claims(
        self, token: str, audiences: tuple[str, ...], *, offline: bool = False, nonce: str | None = None
    ) -> dict[str, Any]:
        try:
            header = jws.extract_compact(token.encode()).protected
        except (JoseError, ValueError, TypeError, UnicodeError):
            raise Unauthorized(REFUSED) from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.config.algorithms or (kid is not None and not isinstance(kid, str)):
            raise Unauthorized(REFUSED)
        keys = self._key_set(kid, offline=offline)
        options: dict[str, ClaimsOption] = {
            "iss": {"essential": True, "value": self.config.issuer},
            "aud": {"essential": True, "values": list(audiences)},
            "sub": {"essential": True},
            "exp": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        registry = jwt.JWTClaimsRegistry(leeway=self.config.leeway, **cast("dict[str, Any]", options))
        try:
            decoded = jwt.decode(token, keys, algorithms=list(self.config.algorithms))
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError):
            raise Unauthorized(REFUSED) from None
        return dict(decoded.claims)

    def id_token_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """An ID token from sign-in: issued for us (`aud` = client id) in answer to this very request (`nonce`)."""
        return self.jwt_claims(id_token, (self.config.client_id,), nonce=nonce)

    def userinfo(self, access_token: str) -> dict[str, Any]:
        endpoint = self.metadata().get("userinfo_endpoint")
        if not endpoint:
            raise Unauthorized(REFUSED)
        try:
            response = self._http.get(str(endpoint), headers={"Authorization": f"Bearer {access_token}"})
        except httpx.HTTPError as exc:
            raise ServiceUnavailable("The identity provider cannot be reached; try again shortly") from exc
        if response.status_code in {400, 401, 403}:
            raise Unauthorized(REFUSED)
        try:
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServiceUnavailable("The identity provider answered with something unexpected") from exc
        if not isinstance(body, dict) or not isinstance(body.get("sub"), str):
            raise Unauthorized(REFUSED)
        return {**body, "iss": self.config.issuer}

    def _introspect(self, token: str) -> dict[str, Any]:
        endpoint = str(self.metadata()["introspection_endpoint"])
        auth = (self.config.client_id, self.config.client_secret or "")
        try:
            response = self._http.post(endpoint, data={"token": token, "token_type_hint": "access_token"}, auth=auth)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServiceUnavailable("The identity provider cannot be reached; try again shortly") from exc
        if not isinstance(body, dict) or body.get("active") is not True or not isinstance(body.get("sub"), str):
            raise Unauthorized(REFUSED)
        if body.get("iss", self.config.issuer) != self.config.issuer:
            raise Unauthorized(REFUSED)
        if isinstance(body.get("exp"), int | float) and body["exp"] + self.config.leeway < time.time():
            raise Unauthorized(REFUSED)
        return {**body, "iss": self.config.issuer}

    def _opaque_claims(self, token: str, *, offline: bool) -> dict[str, Any]:
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        cached = self._opaque.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        if offline:
            raise NeedsNetwork
        metadata = self.metadata()
        use_introspection = bool(metadata.get("introspection_endpoint") and self.config.client_secret)
        claims = self._introspect(token) if use_introspection else self.userinfo(token)
        ttl = float(self.config.opaque_ttl)
        if isinstance(claims.get("exp"), int | float):
            ttl = min(ttl, float(claims["exp"]) - time.time())
        if ttl > 0:
            if len(self._opaque) >= _OPAQUE_CACHE_SIZE:
                self._opaque = {k: v for k, v in self._opaque.items() if v[0] > now}
            if len(self._opaque) < _OPAQUE_CACHE_SIZE:
                self._opaque[key] = (now + ttl, claims)
        return claims

    def close(self) -> None:
        self._http.close()
