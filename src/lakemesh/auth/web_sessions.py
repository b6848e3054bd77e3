"""Server-side web sessions: a browser signs in with a token once and then holds only a random session id.

Why: a cookie that carried the bearer token kept working after sign-out (a copied cookie was a copied token).
The catalog keeps the SHA-256 of the id (a catalog reader cannot sign in with it); a session ends when the
user signs out, when it expires, when its token is revoked or expires, or when the principal is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from lakemesh.auth.models import Principal
from lakemesh.auth.service import PrincipalService, principal_from_row
from lakemesh.auth.tokens import hash_secret
from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.auth import PrincipalRow, TokenRow, WebSessionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Unauthorized

SESSION_LIFETIME = timedelta(hours=12)
_LOOKUP = (
    select(
        PrincipalRow.__table__,
        WebSessionRow.expires_at.label("session_expires_at"),
        TokenRow.expires_at.label("token_expires_at"),
    )
    .select_from(WebSessionRow)
    .outerjoin(TokenRow, TokenRow.id == WebSessionRow.token_id)  # IdP sign-ins hold no token
    .join(PrincipalRow, PrincipalRow.id == WebSessionRow.principal_id)
)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class WebSessions:
    def __init__(self, catalog: Catalog, principals: PrincipalService, clock: Clock) -> None:
        self._catalog = catalog
        self._principals = principals
        self._clock = clock

    def start(self, secret: str) -> tuple[str, Principal]:
        """Sign in with an API token: a new random session id (never reused, so no fixation) and who it is."""
        principal = self._principals.authenticate(secret)
        with self._catalog.read() as session:
            token_id = session.scalar(select(TokenRow.id).where(TokenRow.token_hash == hash_secret(secret)))
        if token_id is None:  # revoked between the two reads
            raise Unauthorized("Invalid, expired or revoked token")
        return self._open(principal, token_id), principal

    def start_for(self, principal: Principal) -> str:
        """Sign in a principal the identity provider vouched for: a session without an API token behind it."""
        if principal.disabled:
            raise Unauthorized("Invalid, expired or revoked token")
        return self._open(principal, None)

    def _open(self, principal: Principal, token_id: str | None) -> str:
        """A new random session id (never reused, so no fixation)."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            session.add(
                WebSessionRow(
                    id_hash=session_hash(session_id),
                    principal_id=principal.id,
                    token_id=token_id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                    revoked_at=None,
                )
            )
        return session_id

    def principal(self, session_id: str | None) -> Principal:
        """Who holds this session; one message for every failure (unknown, ended, expired, token revoked)."""
        if not session_id:
            raise Unauthorized("Not signed in")
        now = self._clock.now()
        query = _LOOKUP.where(
            WebSessionRow.id_hash == session_hash(session_id),
            WebSessionRow.revoked_at.is_(None),
            TokenRow.revoked_at.is_(None),
        )
        with self._catalog.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row.disabled or row.session_expires_at <= now:
            raise Unauthorized("Your session ended; sign in again")
        if row.token_expires_at is not None and row.token_expires_at <= now:
            raise Unauthorized("Your session ended; sign in again")
        return principal_from_row(row)

    def end(self, session_id: str | None) -> bool:
        """Sign out: the session stops working everywhere at once, including copies of the cookie."""
        if not session_id:
            return False
        with self._catalog.transaction() as session:
            result = session.execute(
                update(WebSessionRow)
                .where(WebSessionRow.id_hash == session_hash(session_id), WebSessionRow.revoked_at.is_(None))
                .values(revoked_at=self._clock.now())
            )
            return bool(getattr(result, "rowcount", 0))
