"""Single sign-on: "Sign in with <provider>" through the company's OpenID Connect provider.

Authorization code flow with PKCE (authlib's OAuth 2 client builds the request and redeems the code). The `state`,
`nonce` and PKCE verifier of one attempt live in a short-lived signed cookie scoped to /login/oidc; the callback
checks `state`, the ID token (joserfc: signature, `iss`, `aud` = our client id, `exp`, `nonce`), then starts an
ordinary Lakemesh web session for the principal, so signing out works as for token sign-ins.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lakemesh.auth.idp import IdpSignIn
from lakemesh.core.errors import NotFound, ServiceUnavailable, Unauthorized
from lakemesh.web.pages_home import safe_next
from lakemesh.web.render import WebRoute, cookies_of, error_page, platform_of
from lakemesh.web.session import load_secret

log = logging.getLogger("lakemesh.web")
router = APIRouter(route_class=WebRoute, include_in_schema=False)
FLOW_COOKIE = "lakemesh_oidc"
FLOW_PATH = "/login/oidc"
FLOW_SECONDS = 600
FAILED = "Sign-in with your identity provider did not complete. Try again; if it keeps failing, ask your admin."


def _idp(request: Request) -> IdpSignIn:
    idp = platform_of(request).idp
    if idp is None:
        raise NotFound("Single sign-on is not configured")
    return idp


def _flow_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(load_secret(platform_of(request).settings.home), salt="lakemesh-oidc-flow")


def _redirect_uri(request: Request) -> str:
    return platform_of(request).settings.base_url.rstrip("/") + "/login/oidc/callback"


def _client(idp: IdpSignIn, redirect_uri: str) -> OAuth2Client:
    config = idp.config
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method="client_secret_basic" if config.client_secret else "none",
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=10.0,
    )


@router.get("/login/oidc")
def start_sign_in(request: Request, next: str = "/") -> Response:
    idp = _idp(request)
    authorize = str(idp.provider.metadata()["authorization_endpoint"])
    flow = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": safe_next(next),
    }
    with _client(idp, _redirect_uri(request)) as client:
        url, _ = client.create_authorization_url(
            authorize, state=flow["state"], nonce=flow["nonce"], code_verifier=flow["verifier"]
        )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        _flow_serializer(request).dumps(flow),
        max_age=FLOW_SECONDS,
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",  # the IdP's redirect back is a top-level GET: Lax cookies come with it
        secure=request.url.scheme == "https",
    )
    return response


def _read_flow(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLOW_COOKIE)
    if not raw:
        return None
    try:
        flow = _flow_serializer(request).loads(raw, max_age=FLOW_SECONDS)
    except BadSignature:
        return None
    return flow if isinstance(flow, dict) else None


@router.get("/login/oidc/callback")
def finish_sign_in(
    request: Request, code: str | None = None, state: str | None = None, error: str | None = None
) -> Response:
    idp = _idp(request)
    flow = _read_flow(request)
    if flow is None or error or not code or not state or not hmac.compare_digest(state, str(flow["state"])):
        return _failed(request, f"callback refused (error={error!r}, flow={'kept' if flow else 'missing'})")
    try:
        raw = _signed_in_claims(request, idp, code, flow)
        principal = idp.sign_in(raw)
        session_id = platform_of(request).web_sessions.start_for(principal)
    except (Unauthorized, OAuthError, ServiceUnavailable) as exc:
        return _failed(request, f"{type(exc).__name__}")
    request.state.principal = principal.name
    response = RedirectResponse(str(flow["next"]), status_code=303)
    cookies = cookies_of(request)
    cookies.write(request, response, cookies.session(session_id))  # a new id, a new CSRF token
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def _signed_in_claims(request: Request, idp: IdpSignIn, code: str, flow: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims (checked), completed from userinfo: many providers keep e-mail and groups there."""
    token_endpoint = str(idp.provider.metadata()["token_endpoint"])
    with _client(idp, _redirect_uri(request)) as client:
        token = client.fetch_token(token_endpoint, code=code, code_verifier=flow["verifier"])
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise Unauthorized("The identity provider sent no ID token")
    claims = idp.provider.id_token_claims(id_token, nonce=str(flow["nonce"]))
    access_token = token.get("access_token")
    if isinstance(access_token, str) and idp.provider.metadata().get("userinfo_endpoint"):
        info = idp.provider.userinfo(access_token)
        if info.get("sub") == claims["sub"]:
            claims = {**info, **claims}
    return claims


def _failed(request: Request, why: str) -> Response:
    log.warning("single sign-on failed: %s", why)
    response = error_page(request, 401, "Sign-in failed", FAILED)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
