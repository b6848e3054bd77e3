"""`Mesh`: the in-process face of Lakemesh, with the same methods as the remote SDK client."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lakemesh.audit.models import AuditEntry, AuditQuery
from lakemesh.auth.models import IssuedToken, PlatformRole, Principal, PrincipalCreate, Token, TokenCreate
from lakemesh.core.pages import Page
from lakemesh.core.settings import Settings
from lakemesh.core.validation import parse_model
from lakemesh.domains.models import Domain, DomainCreate, DomainUpdate, Member, MemberAdd
from lakemesh.facade.access import AccessMethods
from lakemesh.facade.governance import GovernanceMethods
from lakemesh.facade.lakehouses import LakehouseMethods
from lakemesh.facade.metrics import MetricsMethods
from lakemesh.facade.pipelines import PipelineMethods
from lakemesh.facade.products import ProductMethods
from lakemesh.facade.quality import QualityMethods
from lakemesh.facade.semantic import SemanticMethods
from lakemesh.facade.sharing import SharingMethods
from lakemesh.platform import Platform


class Mesh(
    LakehouseMethods,
    ProductMethods,
    # capability mixins: one line each
    SemanticMethods,
    SharingMethods,
    AccessMethods,
    PipelineMethods,
    GovernanceMethods,
    MetricsMethods,
    QualityMethods,
):
    """Acts as one principal on a Platform; `Mesh.open()` uses the local home directory."""

    def __init__(self, platform: Platform, principal: Principal) -> None:
        self.platform = platform
        self.principal = principal

    @classmethod
    def open(
        cls, home: str | Path | None = None, *, token: str | None = None, settings: Settings | None = None
    ) -> Mesh:
        """Open (and on first use create) a Lakemesh home; act as the token's principal or the local admin."""
        if settings is None:
            settings = Settings(home=Path(home).expanduser()) if home is not None else Settings()
        platform = Platform(settings)
        platform.initialize()
        principal = platform.principals.authenticate(token) if token else platform.principals.bootstrap_admin()
        return cls(platform, principal)

    def as_principal(self, token: str) -> Mesh:
        """The same platform, acting as the principal behind `token`."""
        return Mesh(self.platform, self.platform.principals.authenticate(token))

    def close(self) -> None:
        self.platform.close()

    def __enter__(self) -> Mesh:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- principals and tokens ---------------------------------------------------------------------
    def whoami(self) -> Principal:
        return self.principal

    def create_principal(
        self,
        name: str,
        *,
        kind: str = "user",
        email: str | None = None,
        display_name: str | None = None,
        platform_role: str = "user",
    ) -> Principal:
        spec = PrincipalCreate(
            name=name,
            kind=kind,
            email=email,
            display_name=display_name,
            platform_role=PlatformRole(platform_role),
        )
        return self.platform.principals.create_principal(self.principal, spec)

    def list_principals(self) -> list[Principal]:
        return _all(lambda cursor: self.platform.principals.list_principals(self.principal, limit=500, cursor=cursor))

    def create_token(
        self, *, name: str = "api", principal: str | None = None, expires_in: str | None = None
    ) -> IssuedToken:
        spec = TokenCreate(name=name, principal=principal, expires_in=expires_in)
        return self.platform.principals.create_token(self.principal, spec)

    def list_tokens(self, principal: str | None = None) -> list[Token]:
        return self.platform.principals.list_tokens(self.principal, principal)

    def revoke_token(self, token_id: str) -> Token:
        return self.platform.principals.revoke_token(self.principal, token_id)

    # -- domains -----------------------------------------------------------------------------------
    def create_domain(
        self,
        name: str,
        *,
        display_name: str | None = None,
        description: str = "",
        owner: str | None = None,
        steward: str | None = None,
        tags: Iterable[str] = (),
    ) -> Domain:
        fields = {"display_name": display_name, "description": description, "owner": owner, "steward": steward}
        spec = parse_model(DomainCreate, {"name": name, **fields, "tags": list(tags)})
        return self.platform.domains.create(self.principal, spec)

    def get_domain(self, name: str) -> Domain:
        return self.platform.domains.get(self.principal, name)

    def list_domains(self) -> list[Domain]:
        return _all(lambda cursor: self.platform.domains.list_domains(self.principal, limit=500, cursor=cursor))

    def update_domain(self, name: str, *, if_match: str | None = None, **changes: Any) -> Domain:
        return self.platform.domains.update(self.principal, name, parse_model(DomainUpdate, changes), if_match=if_match)

    def delete_domain(self, name: str, *, force: bool = False) -> None:
        self.platform.domains.delete(self.principal, name, force=force)

    def list_members(self, domain: str) -> list[Member]:
        return self.platform.domains.list_members(self.principal, domain)

    def add_member(self, domain: str, principal: str, role: str) -> Member:
        spec = parse_model(MemberAdd, {"principal": principal, "role": role})
        return self.platform.domains.add_member(self.principal, domain, spec)

    def remove_member(self, domain: str, principal: str) -> None:
        self.platform.domains.remove_member(self.principal, domain, principal)

    # -- audit -------------------------------------------------------------------------------------
    def audit(self, *, limit: int = 50, **filters: Any) -> list[AuditEntry]:
        return self.platform.audit.list(self.principal, AuditQuery(**filters), limit=limit).items


def _all(fetch: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page: Page[Any] = fetch(cursor)
        items.extend(page.items)
        if not page.next_cursor:
            return items
        cursor = page.next_cursor
