"""Principals, tokens, domains, members and the audit log: each operation declared once for both faces."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lakemesh.audit.models import AuditEntry, AuditQuery
from lakemesh.auth.models import (
    GroupMember,
    GroupMemberAdd,
    IssuedToken,
    PlatformRole,
    Principal,
    PrincipalCreate,
    Token,
    TokenCreate,
)
from lakemesh.core.validation import parse_model
from lakemesh.domains.models import Domain, DomainCreate, DomainUpdate, Member, MemberAdd
from lakemesh.facade.operation import every, remote

if TYPE_CHECKING:
    from lakemesh.platform import Platform

DOMAIN = "/api/v1/domains/{name}"
MEMBERS = "/api/v1/domains/{domain}/members"
GROUP_MEMBERS = "/api/v1/groups/{group}/members"


class DomainMethods:
    platform: Platform
    principal: Principal

    # -- principals and tokens ---------------------------------------------------------------------
    @remote("GET", "/api/v1/me")
    def whoami(self) -> Principal:
        return self.principal

    @remote("POST", "/api/v1/principals", body=("name", "kind", "email", "display_name", "platform_role"))
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
            name=name, kind=kind, email=email, display_name=display_name, platform_role=PlatformRole(platform_role)
        )
        return self.platform.principals.create_principal(self.principal, spec)

    @remote("GET", "/api/v1/principals", pages=True)
    def list_principals(self) -> list[Principal]:
        return every(lambda cursor: self.platform.principals.list_principals(self.principal, limit=500, cursor=cursor))

    @remote("GET", "/api/v1/principals/{name}")
    def get_principal(self, name: str) -> Principal:
        """A principal by name (you, or anyone when you are a platform admin)."""
        return self.platform.principals.get_principal(self.principal, name)

    @remote("POST", "/api/v1/tokens", body=("name", "principal", "expires_in"))
    def create_token(
        self, *, name: str = "api", principal: str | None = None, expires_in: str | None = None
    ) -> IssuedToken:
        spec = TokenCreate(name=name, principal=principal, expires_in=expires_in)
        return self.platform.principals.create_token(self.principal, spec)

    @remote("GET", "/api/v1/tokens", query=("principal",), pages=True)
    def list_tokens(self, principal: str | None = None) -> list[Token]:
        return self.platform.principals.list_tokens(self.principal, principal)

    @remote("DELETE", "/api/v1/tokens/{token_id}")
    def revoke_token(self, token_id: str) -> Token:
        return self.platform.principals.revoke_token(self.principal, token_id)

    # -- groups ------------------------------------------------------------------------------------
    @remote("GET", GROUP_MEMBERS, pages=True)
    def list_group_members(self, group: str) -> list[GroupMember]:
        """A group's members and who maintains each membership (platform admins, or a member of the group)."""
        return self.platform.groups.list_members(self.principal, group)

    @remote("POST", GROUP_MEMBERS, body=("principal",))
    def add_group_member(self, group: str, principal: str) -> GroupMember:
        """Add a user or service principal to a group (create the group with `create_principal(kind="group")`)."""
        spec = parse_model(GroupMemberAdd, {"principal": principal})
        return self.platform.groups.add_member(self.principal, group, spec.principal)

    @remote("DELETE", GROUP_MEMBERS + "/{principal}")
    def remove_group_member(self, group: str, principal: str) -> None:
        """Remove a member: what it held through the group (roles, grants, ownerships) ends at once."""
        self.platform.groups.remove_member(self.principal, group, principal)

    # -- domains -----------------------------------------------------------------------------------
    @remote("POST", "/api/v1/domains", body=("name", "display_name", "description", "owner", "steward", "tags"))
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

    @remote("GET", DOMAIN)
    def get_domain(self, name: str) -> Domain:
        return self.platform.domains.get(self.principal, name)

    @remote("GET", "/api/v1/domains", pages=True)
    def list_domains(self) -> list[Domain]:
        return every(lambda cursor: self.platform.domains.list_domains(self.principal, limit=500, cursor=cursor))

    @remote("PATCH", DOMAIN, body=("changes",), headers={"If-Match": "if_match"})
    def update_domain(self, name: str, *, if_match: str | None = None, **changes: Any) -> Domain:
        return self.platform.domains.update(self.principal, name, parse_model(DomainUpdate, changes), if_match=if_match)

    @remote("DELETE", DOMAIN, query=("force",))
    def delete_domain(self, name: str, *, force: bool = False) -> None:
        self.platform.domains.delete(self.principal, name, force=force)

    @remote("GET", MEMBERS, pages=True)
    def list_members(self, domain: str) -> list[Member]:
        return self.platform.domains.list_members(self.principal, domain)

    @remote("POST", MEMBERS, body=("principal", "role"))
    def add_member(self, domain: str, principal: str, role: str) -> Member:
        spec = parse_model(MemberAdd, {"principal": principal, "role": role})
        return self.platform.domains.add_member(self.principal, domain, spec)

    @remote("DELETE", MEMBERS + "/{principal}")
    def remove_member(self, domain: str, principal: str) -> None:
        self.platform.domains.remove_member(self.principal, domain, principal)

    # -- audit -------------------------------------------------------------------------------------
    @remote("GET", "/api/v1/audit", query=("limit", "filters"))
    def audit(self, *, limit: int = 50, **filters: Any) -> list[AuditEntry]:
        return self.platform.audit.list(self.principal, parse_model(AuditQuery, filters), limit=limit).items
