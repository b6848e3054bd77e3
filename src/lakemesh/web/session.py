"""Signed session cookies and CSRF tokens for the web UI.

The cookie holds the signed-in token (so revoking the token signs the browser out) and a CSRF secret; it is
HttpOnly and SameSite=Lax, signed with a key kept in `LAKEMESH_HOME/web.secret` (0600, created on first use).
Every form carries the session's CSRF token; a POST without the matching token is refused.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "lakemesh_session"
MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class WebSession:
    csrf: str
    token: str | None = None


def load_secret(home: Path) -> bytes:
    """The signing key; created once with mode 0600 (O_EXCL, so two processes never race to different keys)."""
    path = home / "web.secret"
    home.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


class SessionCookies:
    def __init__(self, secret: bytes) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="lakemesh-web-session")

    def read(self, request: Request) -> WebSession | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        token = data.get("t")
        return WebSession(csrf=data["c"], token=token if isinstance(token, str) else None)

    def write(self, request: Request, response: Response, session: WebSession) -> None:
        value = self._serializer.dumps({"c": session.csrf, "t": session.token})
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def new_session(token: str | None = None) -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(32), token=token)


def csrf_matches(session: WebSession | None, sent: str | None) -> bool:
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode(), sent.encode())
