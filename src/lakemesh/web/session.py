"""Session cookies and CSRF tokens for the web UI.

The cookie holds only a random session id (never the bearer token); signed-in sessions live in the catalog
(`auth.web_sessions`), so signing out or revoking the token ends every copy of the cookie. It is HttpOnly
and SameSite=Lax, signed with a key kept in `LAKEMESH_HOME/web.secret` (0600, created on first use).
Every form carries the session's CSRF token (an HMAC of the id); a POST without the matching token is refused.
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
    """What the cookie carries: a random id (signed, so forged ids cost no catalog lookup) and its CSRF token."""

    id: str
    csrf: str


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
        self._csrf_key = hmac.new(secret, b"lakemesh-web-csrf", "sha256").digest()

    def session(self, session_id: str) -> WebSession:
        """The CSRF token is derived from the id: a new id at sign-in is a new CSRF token too."""
        csrf = hmac.new(self._csrf_key, session_id.encode(), "sha256").hexdigest()
        return WebSession(id=session_id, csrf=csrf)

    def new(self) -> WebSession:
        return self.session(secrets.token_urlsafe(32))

    def read(self, request: Request) -> WebSession | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            session_id = self._serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return None
        return self.session(session_id) if isinstance(session_id, str) and session_id else None

    def write(self, request: Request, response: Response, session: WebSession) -> None:
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(session.id),
            max_age=MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def csrf_matches(session: WebSession | None, sent: str | None) -> bool:
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode(), sent.encode())
