"""Who the session acts as and where bare names point: the signed-in principal, its domain, its lakehouse."""

from __future__ import annotations

from typing import Any

# Roles that may write a domain's tables: the domain a session writes to by default is the principal's only one.
WRITE_ROLES = frozenset({"admin", "member", "contributor"})


def default_domain(mesh: Any) -> str | None:
    """The only domain the principal can write to, or None (then names need a domain or the config)."""
    me = mesh.whoami().id
    writable = [
        domain.name
        for domain in mesh.list_domains()
        if any(
            m.principal_id == me and str(getattr(m.role, "value", m.role)).lower() in WRITE_ROLES
            for m in _members(mesh, domain.name)
        )
    ]
    return writable[0] if len(writable) == 1 else None


def default_lakehouse(mesh: Any, domain: str) -> str | None:
    """A domain with one lakehouse makes it the default, as a Fabric notebook's attached lakehouse."""
    from lakemesh.core.errors import Forbidden, NotFound

    try:
        lakehouses = mesh.list_lakehouses(domain)
    except (Forbidden, NotFound):
        return None  # reads still fail with the governed path's own error, naming the table
    return lakehouses[0].name if len(lakehouses) == 1 else None


def _members(mesh: Any, domain: str) -> list[Any]:
    from lakemesh.core.errors import Forbidden, NotFound

    try:
        return list(mesh.list_members(domain))
    except (Forbidden, NotFound):
        return []


def _role(member: Any) -> str:
    return str(getattr(member.role, "value", member.role)).lower()
