"""Domain roles and the permission matrix (docs/security.md is the written version of this table)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class DomainRole(StrEnum):
    ADMIN = "Admin"
    MEMBER = "Member"
    CONTRIBUTOR = "Contributor"
    VIEWER = "Viewer"

    @classmethod
    def parse(cls, value: str) -> DomainRole:
        for role in cls:
            if role.value.lower() == value.strip().lower():
                return role
        raise ValueError(f"{value!r} is not a role; use one of {', '.join(r.value for r in cls)}")


class Action(StrEnum):
    DOMAIN_READ = "domain:read"
    DOMAIN_CREATE = "domain:create"
    DOMAIN_UPDATE = "domain:update"
    DOMAIN_DELETE = "domain:delete"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    POLICIES_MANAGE = "policies:manage"
    ITEM_READ = "item:read"
    ITEM_WRITE = "item:write"
    ITEM_DELETE = "item:delete"
    DATA_READ = "data:read"
    DATA_WRITE = "data:write"
    PRODUCT_PUBLISH = "product:publish"
    SHARE_CREATE = "share:create"
    ACCESS_APPROVE = "access:approve"
    AUDIT_READ = "audit:read"
    PLATFORM_MANAGE = "platform:manage"


_VIEWER = {Action.DOMAIN_READ, Action.MEMBERS_READ, Action.ITEM_READ, Action.DATA_READ}
_CONTRIBUTOR = _VIEWER | {Action.ITEM_WRITE, Action.DATA_WRITE}
_MEMBER = _CONTRIBUTOR | {Action.ITEM_DELETE, Action.PRODUCT_PUBLISH, Action.SHARE_CREATE}
_ADMIN = _MEMBER | {
    Action.DOMAIN_UPDATE,
    Action.DOMAIN_DELETE,
    Action.MEMBERS_MANAGE,
    Action.POLICIES_MANAGE,
    Action.ACCESS_APPROVE,
    Action.AUDIT_READ,
}

PERMISSIONS: dict[DomainRole, frozenset[Action]] = {
    DomainRole.VIEWER: frozenset(_VIEWER),
    DomainRole.CONTRIBUTOR: frozenset(_CONTRIBUTOR),
    DomainRole.MEMBER: frozenset(_MEMBER),
    DomainRole.ADMIN: frozenset(_ADMIN),
}


# Strongest first: a principal holding several roles in a domain (its own and its groups') acts with the strongest.
BY_STRENGTH = (DomainRole.ADMIN, DomainRole.MEMBER, DomainRole.CONTRIBUTOR, DomainRole.VIEWER)


def strongest(roles: Iterable[DomainRole | str]) -> DomainRole | None:
    held = {DomainRole(r) for r in roles}
    return next((r for r in BY_STRENGTH if r in held), None)


def role_allows(role: DomainRole | None, action: Action) -> bool:
    return role is not None and action in PERMISSIONS[role]
