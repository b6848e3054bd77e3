"""Principals and tokens: who can sign in, and with what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.models import IssuedToken, PlatformRole, Principal, PrincipalCreate, Token, TokenCreate
from lakemesh.auth.scram import TokenVerifier, Verifier, make_verifier
from lakemesh.auth.tokens import display_prefix, hash_secret, new_secret
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.auth import PrincipalRow, TokenRow, WebSessionRow
from lakemesh.core.clock import Clock
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Conflict, Forbidden, NotFound, Unauthorized, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import looks_like_email, validate_name
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor

BOOTSTRAP_ADMIN = "admin"
# Built once: authentication runs on every request, and building the statement costs more than running it.
_TOKEN_AND_OWNER = select(
    PrincipalRow.__table__,
    TokenRow.id.label("token_id"),
    TokenRow.expires_at,
    TokenRow.revoked_at,
    TokenRow.last_used_at,
).join(TokenRow, TokenRow.principal_id == PrincipalRow.id)
_TOKEN_LOOKUP = _TOKEN_AND_OWNER.where(TokenRow.token_hash == bindparam("token_hash"))
_TOKEN_BY_ID = _TOKEN_AND_OWNER.where(TokenRow.id == bindparam("token_id"))


def principal_from_row(row: PrincipalRow | Row[Any]) -> Principal:
    return Principal(
        id=row.id,
        name=row.name,
        kind=row.kind,
        email=row.email,
        display_name=row.display_name,
        platform_role=PlatformRole(row.platform_role),
        disabled=row.disabled,
        created_at=row.created_at,
    )


def find_principal_row(session: Session, ref: str) -> PrincipalRow | None:
    """A principal by id, name or email, case-insensitively (names and e-mails are one namespace: at most one)."""
    key = ref.strip().lower()
    return session.scalar(
        select(PrincipalRow)
        .where((PrincipalRow.key == key) | (PrincipalRow.id == ref) | (func.lower(PrincipalRow.email) == key))
        .limit(1)
    )


def principals_by_id(session: Session, ids: list[str]) -> dict[str, Principal]:
    """Public read for other capabilities that keep principal ids (council seats, ...)."""
    if not ids:
        return {}
    return {r.id: principal_from_row(r) for r in session.scalars(select(PrincipalRow).where(PrincipalRow.id.in_(ids)))}


def platform_admin_names(session: Session) -> list[str]:
    """Names of the enabled platform admins, in name order."""
    query = select(PrincipalRow.name).where(PrincipalRow.platform_role == PlatformRole.ADMIN.value)
    return sorted(session.scalars(query.where(PrincipalRow.disabled.is_(False))))


def check_namespace(session: Session, name: str, email: str | None) -> None:
    """Refuse a name or e-mail that is already any principal's name or e-mail (case-insensitive): a grant or
    membership addressed by either must land on exactly one principal."""
    claims = {name.strip().lower()} | ({email.strip().lower()} if email else set())
    taken = session.execute(
        select(PrincipalRow.name, PrincipalRow.key, PrincipalRow.email).where(
            PrincipalRow.key.in_(claims) | func.lower(PrincipalRow.email).in_(claims)
        )
    ).first()
    if taken is not None:
        clash = next(c for c in sorted(claims) if c in {taken.key, (taken.email or "").lower()})
        raise Conflict(
            f"{clash!r} is already the name or e-mail of principal {taken.name!r}; names and e-mails are unique"
        )


class PrincipalService:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock

    # -- principals ------------------------------------------------------------------------
    def create_principal(self, actor: Principal, spec: PrincipalCreate) -> Principal:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins can create principals")
        name = validate_name(spec.name)
        email = spec.email or (name if "@" in name else None)
        if email is not None and not looks_like_email(email):
            raise invalid("email", "must be an email address")
        try:
            with self._catalog.transaction() as session:
                if find_principal_row(session, name) is not None:
                    raise Conflict(f"Principal {name!r} already exists")
                check_namespace(session, name, email)
                row = PrincipalRow(
                    id=new_id("prn"),
                    name=name,
                    key=name.lower(),
                    kind=spec.kind,
                    email=email.lower() if email else None,
                    display_name=spec.display_name,
                    platform_role=spec.platform_role.value,
                    disabled=False,
                    created_at=self._clock.now(),
                )
                session.add(row)
                principal = principal_from_row(row)
                record(
                    session,
                    at=row.created_at,
                    actor=actor.name,
                    action="principal.created",
                    resource_type="principal",
                    resource_id=row.id,
                    resource_name=name,
                    after=principal.model_dump(mode="json"),
                )
        except IntegrityError as exc:  # created concurrently under the same name or e-mail
            raise Conflict(f"Principal {name!r} or its e-mail was taken a moment ago; choose another") from exc
        return principal

    def ensure_principal(self, actor: Principal, spec: PrincipalCreate) -> Principal:
        """Create the principal unless one with that name exists (used by demo and self-serve)."""
        with self._catalog.read() as session:
            row = find_principal_row(session, spec.name)
            if row is not None:
                return principal_from_row(row)
        return self.create_principal(actor, spec)

    def get_principal(self, actor: Principal, ref: str) -> Principal:
        with self._catalog.read() as session:
            row = find_principal_row(session, ref)
            if row is None:
                raise NotFound(f"Principal {ref!r} not found")
            return principal_from_row(row).for_viewer(actor)

    def list_principals(self, actor: Principal, *, limit: int = 50, cursor: str | None = None) -> Page[Principal]:
        check_limit(limit)
        after = decode_cursor(cursor)
        query = select(PrincipalRow).order_by(PrincipalRow.key).limit(limit + 1)
        if after is not None:
            query = query.where(PrincipalRow.key > str(after))
        with self._catalog.read() as session:
            rows = list(session.scalars(query))
        items = [principal_from_row(r).for_viewer(actor) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor(rows[limit - 1].key) if len(rows) > limit else None)

    def disable_principal(self, actor: Principal, ref: str) -> Principal:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins can disable principals")
        with self._catalog.transaction() as session:
            row = find_principal_row(session, ref)
            if row is None:
                raise NotFound(f"Principal {ref!r} not found")
            if row.id == actor.id:
                raise Conflict("You cannot disable yourself")
            row.disabled = True
            now = self._clock.now()
            end_sign_ins(session, row.id, now)
            record(
                session,
                at=now,
                actor=actor.name,
                action="principal.disabled",
                resource_type="principal",
                resource_id=row.id,
                resource_name=row.name,
            )
            return principal_from_row(row)

    # -- bootstrap ---------------------------------------------------------------------------
    def bootstrap(self) -> str | None:
        """On first start, create the platform admin and return its token secret; None if one exists."""
        with self._catalog.transaction() as session:
            has_admin = session.scalar(
                select(func.count())
                .select_from(PrincipalRow)
                .where(PrincipalRow.platform_role == PlatformRole.ADMIN.value)
            )
            if has_admin:
                return None
            now = self._clock.now()
            row = PrincipalRow(
                id=new_id("prn"),
                name=BOOTSTRAP_ADMIN,
                key=BOOTSTRAP_ADMIN,
                kind="user",
                email=None,
                display_name="Platform admin",
                platform_role=PlatformRole.ADMIN.value,
                disabled=False,
                created_at=now,
            )
            session.add(row)
            session.flush()
            secret = self._issue(session, row, "bootstrap", None)[1]
            record(
                session,
                at=now,
                actor=None,
                action="principal.created",
                resource_type="principal",
                resource_id=row.id,
                resource_name=row.name,
                after={"platform_role": "admin", "bootstrap": True},
            )
            return secret

    def bootstrap_admin(self) -> Principal:
        """The first platform admin: the identity of in-process use by whoever owns the home directory."""
        with self._catalog.read() as session:
            row = session.scalar(
                select(PrincipalRow)
                .where(PrincipalRow.platform_role == PlatformRole.ADMIN.value, PrincipalRow.disabled.is_(False))
                .order_by(PrincipalRow.created_at)
                .limit(1)
            )
            if row is None:
                raise Unauthorized("No platform admin exists yet; run `lakemesh init`")
            return principal_from_row(row)

    # -- tokens ------------------------------------------------------------------------------
    def authenticate(self, secret: str | None) -> Principal:
        """The principal behind a bearer token; one message for every failure so nothing leaks."""
        if not secret:
            raise Unauthorized("Missing bearer token")
        with self._catalog.connect() as connection:
            row = connection.execute(_TOKEN_LOOKUP, {"token_hash": hash_secret(secret)}).first()
        return self._signed_in(row)

    def authenticate_token_id(self, token_id: str) -> Principal:
        """The principal of a token proven without its secret (SCRAM); the same checks as `authenticate`."""
        with self._catalog.connect() as connection:
            row = connection.execute(_TOKEN_BY_ID, {"token_id": token_id}).first()
        return self._signed_in(row)

    def _signed_in(self, row: Row[Any] | None) -> Principal:
        now = self._clock.now()
        if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now) or row.disabled:
            raise Unauthorized("Invalid, expired or revoked token")
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            # Coarse on purpose: a read must not turn into a write on every request.
            with self._catalog.transaction() as session:
                session.execute(update(TokenRow).where(TokenRow.id == row.token_id).values(last_used_at=now))
        return principal_from_row(row)

    def scram_verifiers(self, name: str) -> list[TokenVerifier]:
        """SCRAM verifiers of the principal's usable tokens, oldest first (none for unknown or disabled names).

        For the SQL endpoint's SCRAM exchange only: verifiers never leave the server.
        """
        now = self._clock.now()
        with self._catalog.read() as session:
            rows = session.execute(
                select(TokenRow.id, TokenRow.scram_salt, TokenRow.scram_iterations, TokenRow.scram_stored_key,
                       TokenRow.scram_server_key, TokenRow.expires_at)
                .join(PrincipalRow, TokenRow.principal_id == PrincipalRow.id)
                .where(PrincipalRow.key == name.strip().lower(), PrincipalRow.disabled.is_(False),
                       TokenRow.revoked_at.is_(None), TokenRow.scram_stored_key.is_not(None))
                .order_by(TokenRow.created_at, TokenRow.id)
            ).all()  # fmt: skip
        return [
            TokenVerifier(r.id, Verifier(r.scram_salt, r.scram_iterations, r.scram_stored_key, r.scram_server_key))
            for r in rows
            if r.expires_at is None or r.expires_at > now
        ]

    def create_token(self, actor: Principal, spec: TokenCreate) -> IssuedToken:
        name = validate_name(spec.name)
        lifetime = parse_duration(spec.expires_in, "expires_in") if spec.expires_in else None
        if lifetime is not None and lifetime.total_seconds() <= 0:
            raise invalid("expires_in", "must be positive")
        with self._catalog.transaction() as session:
            owner = self._token_owner(session, actor, spec.principal)
            if owner.disabled:
                raise Conflict(f"Principal {owner.name!r} is disabled; enable it before issuing it a token")
            if owner.kind == "group":
                raise Conflict(f"{owner.name!r} is a group: its members sign in with their own tokens")
            expires_at = self._clock.now() + lifetime if lifetime else None
            token, secret = self._issue(session, owner, name, expires_at)
            record(
                session,
                at=token.created_at,
                actor=actor.name,
                action="token.created",
                resource_type="token",
                resource_id=token.id,
                resource_name=name,
                after={"principal": owner.name, "prefix": token.prefix},
            )
            return IssuedToken(**_token(token, owner.name).model_dump(), secret=secret)

    def list_tokens(self, actor: Principal, principal: str | None = None) -> list[Token]:
        with self._catalog.read() as session:
            query = select(TokenRow, PrincipalRow.name).join(PrincipalRow).order_by(TokenRow.created_at)
            if principal is not None:
                owner = self._token_owner(session, actor, principal)
                query = query.where(TokenRow.principal_id == owner.id)
            elif not actor.is_platform_admin:
                query = query.where(TokenRow.principal_id == actor.id)
            return [_token(t, name) for t, name in session.execute(query)]

    def revoke_token(self, actor: Principal, token_id: str) -> Token:
        with self._catalog.transaction() as session:
            token = session.get(TokenRow, token_id)
            if token is None or (token.principal_id != actor.id and not actor.is_platform_admin):
                raise NotFound(f"Token {token_id!r} not found")
            if token.revoked_at is None:
                token.revoked_at = self._clock.now()
                _end_web_sessions(session, WebSessionRow.token_id == token.id, token.revoked_at)
                record(
                    session,
                    at=token.revoked_at,
                    actor=actor.name,
                    action="token.revoked",
                    resource_type="token",
                    resource_id=token.id,
                    resource_name=token.name,
                )
            owner = session.get(PrincipalRow, token.principal_id)
            return _token(token, owner.name if owner else "")

    def _token_owner(self, session: Session, actor: Principal, ref: str | None) -> PrincipalRow:
        row = find_principal_row(session, ref) if ref else session.get(PrincipalRow, actor.id)
        if row is None or (row.id != actor.id and not actor.is_platform_admin):
            raise (
                NotFound(f"Principal {ref!r} not found")
                if row is None
                else Forbidden("Only platform admins manage other principals' tokens")
            )
        return row

    def _issue(self, session: Session, owner: PrincipalRow, name: str, expires_at: object) -> tuple[TokenRow, str]:
        secret = new_secret()
        verifier = make_verifier(secret, owner.id)
        token = TokenRow(
            id=new_id("tok"),
            principal_id=owner.id,
            name=name,
            token_hash=hash_secret(secret),
            prefix=display_prefix(secret),
            created_at=self._clock.now(),
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
            scram_salt=verifier.salt,
            scram_iterations=verifier.iterations,
            scram_stored_key=verifier.stored_key,
            scram_server_key=verifier.server_key,
        )
        session.add(token)
        return token, secret


def end_sign_ins(session: Session, principal_id: str, now: datetime) -> None:
    """Revoke every token of the principal and end its browser sessions: a disabled person is out at once."""
    session.execute(
        update(TokenRow)
        .where(TokenRow.principal_id == principal_id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    _end_web_sessions(session, WebSessionRow.principal_id == principal_id, now)


def _end_web_sessions(session: Session, which: Any, now: datetime) -> None:
    """Browsers signed in with a revoked token (or as a disabled principal) are signed out at once."""
    session.execute(update(WebSessionRow).where(which, WebSessionRow.revoked_at.is_(None)).values(revoked_at=now))


def _token(row: TokenRow, principal: str) -> Token:
    return Token(
        id=row.id,
        name=row.name,
        principal=principal,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
