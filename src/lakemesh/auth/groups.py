"""Groups: principals of kind `group` whose members act with the group's roles, grants and ownerships.

One level only (a group's members are users and service principals): every "who is this principal acting as"
question is one indexed lookup (`held_by_any`), and the places that resolve roles, grants and
ownership ask it, so a membership removed here stops counting on the very next request.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, Select, delete, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lakemesh.catalog.tables.auth import GroupMemberRow, PrincipalRow


class GroupSource(StrEnum):
    """Who maintains a membership: an admin by hand, the IdP over SCIM, or a sign-in's `groups` claim."""

    MANUAL = "manual"
    SCIM = "scim"
    IDP = "idp"


GROUP = "group"


def groups_of(principal_id: str) -> Select[str]:
    """The ids of the groups the principal is a member of (a subquery)."""
    return select(GroupMemberRow.group_id).where(GroupMemberRow.member_id == principal_id)


def held_by_any(column: ColumnElement[str] | InstrumentedAttribute[str], principal_id: str) -> ColumnElement[bool]:
    """`column` names the principal or one of its groups."""
    return or_(column == principal_id, column.in_(groups_of(principal_id)))


def names_of(session: Session, principal_id: str) -> set[str]:
    """Lower-cased names and e-mails of the principal and its groups: what a product's `owner` may say."""
    rows = session.execute(
        select(PrincipalRow.key, PrincipalRow.email).where(held_by_any(PrincipalRow.id, principal_id))
    )
    return {value.lower() for row in rows for value in row if value}


def member_ids(session: Session, group_id: str) -> list[str]:
    return list(session.scalars(select(GroupMemberRow.member_id).where(GroupMemberRow.group_id == group_id)))


def remove_memberships(session: Session, member_id: str) -> None:
    session.execute(delete(GroupMemberRow).where(GroupMemberRow.member_id == member_id))


def people(session: Session, refs: list[str]) -> list[str]:
    """The names behind `refs`: a group stands for its members (by name), anyone else for themselves."""
    found: list[str] = []
    for ref in refs:
        key = ref.strip().lower()
        group = session.scalar(
            select(PrincipalRow.id).where(
                PrincipalRow.kind == GROUP, or_(PrincipalRow.key == key, PrincipalRow.email == key)
            )
        )
        if group is None:
            found.append(ref)
            continue
        names = session.scalars(
            select(PrincipalRow.name)
            .join(GroupMemberRow, GroupMemberRow.member_id == PrincipalRow.id)
            .where(GroupMemberRow.group_id == group, PrincipalRow.disabled.is_(False))
            .order_by(PrincipalRow.key)
        ).all()
        found.extend(names or [ref])
    return found
