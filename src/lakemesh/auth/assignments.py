"""Role assignments in the catalog: the facts `authorize` decides from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from lakemesh.auth.groups import held_by_any
from lakemesh.auth.roles import DomainRole, strongest
from lakemesh.catalog.tables.auth import PrincipalRow, RoleAssignmentRow
from lakemesh.core.ids import new_id


def assign(session: Session, domain_id: str, principal_id: str, role: DomainRole, at: datetime) -> str | None:
    """Give the principal this role in the domain; returns the role it had before, if any."""
    row = session.scalar(
        select(RoleAssignmentRow).where(
            RoleAssignmentRow.domain_id == domain_id, RoleAssignmentRow.principal_id == principal_id
        )
    )
    if row is None:
        session.add(
            RoleAssignmentRow(
                id=new_id("rol"), domain_id=domain_id, principal_id=principal_id, role=role.value, created_at=at
            )
        )
        return None
    previous, row.role = row.role, role.value
    return previous


def unassign(session: Session, domain_id: str, principal_id: str) -> bool:
    result = session.execute(
        delete(RoleAssignmentRow).where(
            RoleAssignmentRow.domain_id == domain_id, RoleAssignmentRow.principal_id == principal_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


def assignments(session: Session, domain_id: str) -> list[tuple[RoleAssignmentRow, PrincipalRow]]:
    query = (
        select(RoleAssignmentRow, PrincipalRow)
        .join(PrincipalRow)
        .where(RoleAssignmentRow.domain_id == domain_id)
        .order_by(PrincipalRow.key)
    )
    return [(a, p) for a, p in session.execute(query)]


def count_admins(session: Session, domain_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(RoleAssignmentRow)
            .where(RoleAssignmentRow.domain_id == domain_id, RoleAssignmentRow.role == DomainRole.ADMIN.value)
        )
        or 0
    )


def domains_of(session: Session, principal_id: str) -> dict[str, DomainRole]:
    """The principal's effective role in each domain it holds one in, itself or through a group."""
    query = select(RoleAssignmentRow.domain_id, RoleAssignmentRow.role).where(
        held_by_any(RoleAssignmentRow.principal_id, principal_id)
    )
    held: dict[str, list[str]] = {}
    for domain_id, role in session.execute(query):
        held.setdefault(domain_id, []).append(role)
    effective = {domain_id: strongest(roles) for domain_id, roles in held.items()}
    return {domain_id: role for domain_id, role in effective.items() if role is not None}


def domain_ids_of(principal_id: str, role: DomainRole | None = None) -> Select[str]:
    """A subquery of the domains the principal holds a role in (or exactly `role`), itself or through a group."""
    query = select(RoleAssignmentRow.domain_id).where(held_by_any(RoleAssignmentRow.principal_id, principal_id))
    return query if role is None else query.where(RoleAssignmentRow.role == role.value)
