"""`authorize(principal, action, resource)`: the one place that says yes; everything else is no."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, DomainRole, role_allows, strongest
from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.auth import GroupMemberRow, RoleAssignmentRow
from lakemesh.core.errors import Forbidden, not_found

Reader = Session | Connection
# The principal's own role and its groups' roles in the domain; the strongest counts.
_ROLE_LOOKUP = select(RoleAssignmentRow.role).where(
    RoleAssignmentRow.domain_id == bindparam("domain_id"),
    or_(
        RoleAssignmentRow.principal_id == bindparam("principal_id"),
        RoleAssignmentRow.principal_id.in_(
            select(GroupMemberRow.group_id).where(GroupMemberRow.member_id == bindparam("principal_id"))
        ),
    ),
)


@dataclass(frozen=True)
class Resource:
    """What an action is about. `visible` objects may be seen by every signed-in principal."""

    kind: str
    name: str
    domain_id: str | None = None
    visible: bool = False


# Capabilities that grant access outside domain roles (approved access requests) register a source:
# it answers whether `principal` may do `action` on `resource` through a grant.
GrantSource = Callable[[Principal, Action, "Resource", Reader], bool]


class Authorizer:
    """Decides from platform role and domain role; reads roles fresh each time (no stale cache across replicas)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._grant_sources: list[GrantSource] = []

    def register_grant_source(self, source: GrantSource) -> None:
        self._grant_sources.append(source)

    def role_in(self, principal: Principal, domain_id: str, session: Reader | None = None) -> DomainRole | None:
        params = {"domain_id": domain_id, "principal_id": principal.id}
        """The principal's effective role in the domain: the strongest of its own and its groups'."""
        if session is not None:
            roles = session.scalars(_ROLE_LOOKUP, params).all()
        else:
            with self._catalog.connect() as connection:
                roles = connection.scalars(_ROLE_LOOKUP, params).all()
        return strongest(roles)

    def can(self, principal: Principal, action: Action, resource: Resource, session: Reader | None = None) -> bool:
        if principal.disabled:
            return False
        if principal.is_platform_admin:
            return True
        if resource.domain_id is not None and role_allows(self.role_in(principal, resource.domain_id, session), action):
            return True
        if not self._grant_sources:
            return False
        if session is not None:
            return any(source(principal, action, resource, session) for source in self._grant_sources)
        with self._catalog.connect() as connection:
            return any(source(principal, action, resource, connection) for source in self._grant_sources)

    def authorize(
        self,
        principal: Principal,
        action: Action,
        resource: Resource,
        session: Reader | None = None,
        *,
        asked: str | None = None,
    ) -> None:
        """Raise Forbidden when the caller may see the resource, NotFound when it may not even see it.

        `asked` is the name as the request gave it: the NotFound then reads exactly like the one for a missing
        resource (`not_found(kind, asked)`), so a hidden resource is indistinguishable from one that does not exist.
        """
        if self.can(principal, action, resource, session):
            return
        if resource.visible or (
            resource.domain_id is not None and self.role_in(principal, resource.domain_id, session) is not None
        ):
            raise Forbidden(f"You may not {_verb(action)} {resource.kind} {resource.name!r}")
        raise not_found(resource.kind, resource.name if asked is None else asked)


def _verb(action: Action) -> str:
    noun, verb = action.value.split(":")
    return f"{verb} {noun}" if noun not in {"domain", "item"} else verb
