"""Principals from the company's identity provider: created on first sign-in (just in time), keyed by the issuer's
subject, with e-mail and display name kept current; API tokens from the provider accepted as bearer tokens."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.idp_claims import IdpClaims, read_claims
from lakemesh.auth.models import PlatformRole, Principal
from lakemesh.auth.oidc import REFUSED, IdentityProvider, NeedsNetwork, OidcConfig
from lakemesh.auth.service import find_principal_row, principal_from_row
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.auth import IdpIdentityRow, PrincipalRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Unauthorized
from lakemesh.core.ids import new_id
from lakemesh.core.settings import Settings

log = logging.getLogger("lakemesh.auth")
GroupsHook = Callable[[Principal, list[str]], object]
_SEEN_EVERY_SECONDS = 3600  # last_seen_at is coarse on purpose: a request must not become a write
_LOOKUP = (
    select(PrincipalRow.__table__, IdpIdentityRow.id.label("identity_id"), IdpIdentityRow.last_seen_at)
    .join(IdpIdentityRow, IdpIdentityRow.principal_id == PrincipalRow.id)
    .where(IdpIdentityRow.issuer == bindparam("issuer"), IdpIdentityRow.subject == bindparam("subject"))
)


class IdpPrincipals:
    """The principal of an IdP identity, created or kept current as it signs in."""

    def __init__(self, catalog: Catalog, clock: Clock, *, link_by_email: bool) -> None:
        self._catalog = catalog
        self._clock = clock
        self._link_by_email = link_by_email

    def principal_for(self, claims: IdpClaims, *, offline: bool = False) -> Principal:
        """`offline`: a read only; a sign-in that must write (first one, changed e-mail) raises NeedsNetwork, so the
        async API path does the write off the event loop."""
        with self._catalog.connect() as connection:
            row = connection.execute(_LOOKUP, {"issuer": claims.issuer, "subject": claims.subject}).first()
        if row is None:
            if offline:
                raise NeedsNetwork
            return self._first_sign_in(claims)
        if row.disabled:
            raise Unauthorized(REFUSED)
        stale = (self._clock.now() - row.last_seen_at).total_seconds() > _SEEN_EVERY_SECONDS
        changed = (claims.email is not None and claims.email != row.email) or (
            claims.display_name is not None and claims.display_name != row.display_name
        )
        if (stale or changed) and offline:
            raise NeedsNetwork
        if stale or changed:
            return self._keep_current(row.id, row.identity_id, claims)
        return principal_from_row(row)

    def _keep_current(self, principal_id: str, identity_id: str, claims: IdpClaims) -> Principal:
        """E-mail and display name follow the IdP; an e-mail another principal holds is left as it was."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            principal = session.get(PrincipalRow, principal_id)
            identity = session.get(IdpIdentityRow, identity_id)
            if principal is None or identity is None:
                raise Unauthorized(REFUSED)
            identity.last_seen_at = now
            before = {"email": principal.email, "display_name": principal.display_name}
            if claims.display_name is not None:
                principal.display_name = claims.display_name
            if claims.email is not None and claims.email != principal.email and not _email_taken(session, claims.email):
                principal.email = claims.email
            after = {"email": principal.email, "display_name": principal.display_name}
            if after != before:
                record(
                    session,
                    at=now,
                    actor=principal.name,
                    action="principal.updated",
                    resource_type="principal",
                    resource_id=principal.id,
                    resource_name=principal.name,
                    before=before,
                    after={**after, "source": "idp"},
                )
            return principal_from_row(principal)

    def _first_sign_in(self, claims: IdpClaims) -> Principal:
        now = self._clock.now()
        try:
            with self._catalog.transaction() as session:
                principal = self._linkable(session, claims) or self._new_principal(session, claims)
                session.add(
                    IdpIdentityRow(
                        id=new_id("idp"),
                        issuer=claims.issuer,
                        subject=claims.subject,
                        principal_id=principal.id,
                        created_at=now,
                        last_seen_at=now,
                    )
                )
                record(
                    session,
                    at=now,
                    actor=principal.name,
                    action="principal.identity_linked",
                    resource_type="principal",
                    resource_id=principal.id,
                    resource_name=principal.name,
                    after={"issuer": claims.issuer, "subject": claims.subject, "kind": principal.kind},
                )
                if principal.disabled:
                    raise Unauthorized(REFUSED)
                return principal_from_row(principal)
        except IntegrityError:  # the same person's first two requests raced: the other one created it
            with self._catalog.connect() as connection:
                row = connection.execute(_LOOKUP, {"issuer": claims.issuer, "subject": claims.subject}).first()
            if row is None or row.disabled:
                raise Unauthorized(REFUSED) from None
            return principal_from_row(row)

    def _linkable(self, session: Session, claims: IdpClaims) -> PrincipalRow | None:
        """An existing token principal with this person's e-mail that no IdP identity holds: it keeps its roles.
        Never when the IdP says the e-mail is unverified (anyone could claim the admin's address)."""
        if not self._link_by_email or claims.is_service or claims.email is None or claims.email_verified is False:
            return None
        row = find_principal_row(session, claims.email)
        if row is None or row.platform_role == PlatformRole.ADMIN.value:
            return None  # a platform admin is never taken over by e-mail: link it by hand if wanted
        held = session.scalar(select(IdpIdentityRow.id).where(IdpIdentityRow.principal_id == row.id).limit(1))
        return None if held else row

    def _new_principal(self, session: Session, claims: IdpClaims) -> PrincipalRow:
        name = _free_name(session, claims)
        email = claims.email if claims.email and not _email_taken(session, claims.email) else None
        row = PrincipalRow(
            id=new_id("prn"),
            name=name,
            key=name.lower(),
            kind="service" if claims.is_service else "user",
            email=email,
            display_name=claims.display_name,
            platform_role=PlatformRole.USER.value,
            disabled=False,
            created_at=self._clock.now(),
        )
        session.add(row)
        session.flush()
        record(
            session,
            at=row.created_at,
            actor=None,
            action="principal.created",
            resource_type="principal",
            resource_id=row.id,
            resource_name=name,
            after={**principal_from_row(row).model_dump(mode="json"), "source": "idp"},
        )
        return row


def _email_taken(session: Session, email: str) -> bool:
    key = email.lower()
    clash = session.scalar(
        select(PrincipalRow.id).where((func.lower(PrincipalRow.email) == key) | (PrincipalRow.key == key)).limit(1)
    )
    return clash is not None


def _free_name(session: Session, claims: IdpClaims) -> str:
    """The IdP's name for the person, unless a principal already has it: then it gets a stable suffix."""
    name = claims.name.replace("/", "-").replace("\\", "-").replace("..", ".").strip() or claims.subject
    if find_principal_row(session, name) is None and not _email_taken(session, name):
        return name
    suffix = hashlib.sha256(f"{claims.issuer} {claims.subject}".encode()).hexdigest()[:8]
    return f"{name[:119]}-{suffix}"


class IdpSignIn:
    """The IdP's tokens and sign-ins turned into principals; `on_groups` receives each principal's groups."""

    def __init__(
        self,
        provider: IdentityProvider,
        principals: IdpPrincipals,
        on_groups: GroupsHook | None = None,
    ) -> None:
        self.provider = provider
        self.config = provider.config
        self._principals = principals
        # GROUPS HOOK (issue 20 part 3): after h20a merges, the platform passes
        #   lambda principal, names: groups.sync_groups(principal, names, source="idp")
        # Called when a principal's `groups` claim differs from what this process last passed on.
        self.on_groups = on_groups
        self._last_groups: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, catalog: Catalog, clock: Clock, *, on_groups: GroupsHook | None = None
    ) -> IdpSignIn | None:
        config = OidcConfig.from_settings(settings)
        if config is None:
            return None
        principals = IdpPrincipals(catalog, clock, link_by_email=config.link_by_email)
        return cls(IdentityProvider(config), principals, on_groups=on_groups)

    def authenticate(self, token: str, *, offline: bool = False) -> Principal:
        """The principal behind an IdP access token (JWT or opaque); `offline` raises NeedsNetwork instead of
        calling the provider, so the async API path checks cached tokens inline."""
        raw = self.provider.access_token_claims(token, offline=offline)
        return self.sign_in(raw, offline=offline)

    def sign_in(self, raw: dict[str, Any], *, offline: bool = False) -> Principal:
        claims = read_claims(self.config, raw)
        principal = self._principals.principal_for(claims, offline=offline)
        changed = self._last_groups.get(principal.id) != claims.groups
        if self.on_groups is not None and not claims.is_service and changed:
            self.on_groups(principal, list(claims.groups))
            self._last_groups[principal.id] = claims.groups
        return principal

    def close(self) -> None:
        self.provider.close()
