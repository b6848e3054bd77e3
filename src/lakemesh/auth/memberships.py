"""Group membership as a service: admins by hand, SCIM from the IdP, and sign-in's `groups` claim (`sync_groups`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.groups import GROUP, GroupSource
from lakemesh.auth.models import GroupMember, Principal
from lakemesh.auth.service import check_namespace, find_principal_row
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.auth import GroupMemberRow, PrincipalRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import validate_name


class GroupService:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock

    # -- by hand (platform admins) -----------------------------------------------------------------
    def add_member(
        self, actor: Principal, group: str, member: str, source: GroupSource = GroupSource.MANUAL
    ) -> GroupMember:
        _admin_only(actor)
        with self._catalog.transaction() as session:
            group_row, member_row = group_of(session, group), member_of(session, member)
            row = add_membership(session, group_row, member_row, source, self._clock.now())
            self._journal(session, actor.name, "group.member_added", group_row, member_row.name)
            return _view(group_row, member_row, row)

    def remove_member(self, actor: Principal, group: str, member: str) -> None:
        """The member loses what it held through the group at once: roles, grants and ownerships are resolved live."""
        _admin_only(actor)
        with self._catalog.transaction() as session:
            group_row, member_row = group_of(session, group), member_of(session, member)
            if not remove_membership(session, group_row.id, member_row.id):
                raise NotFound(f"{member_row.name!r} is not a member of group {group_row.name!r}")
            self._journal(session, actor.name, "group.member_removed", group_row, member_row.name)

    def list_members(self, actor: Principal, group: str) -> list[GroupMember]:
        with self._catalog.read() as session:
            group_row = group_of(session, group)
            if not actor.is_platform_admin and not _is_member(session, group_row.id, actor.id):
                raise NotFound(f"Group {group!r} not found")
            rows = session.execute(
                select(GroupMemberRow, PrincipalRow)
                .join(PrincipalRow, PrincipalRow.id == GroupMemberRow.member_id)
                .where(GroupMemberRow.group_id == group_row.id)
                .order_by(PrincipalRow.key)
            )
            return [_view(group_row, p, m) for m, p in rows]

    # -- from the identity provider ----------------------------------------------------------------
    def sync_groups(
        self, principal: Principal, group_names: Iterable[str], source: GroupSource = GroupSource.IDP
    ) -> list[str]:
        """Make the principal's `source` memberships exactly `group_names` (a sign-in's `groups` claim).

        A group that does not exist yet is created, with no roles. Memberships from other sources (an admin's,
        SCIM's) are left alone. Returns the names of the principal's groups from this source. A name Lakemesh
        cannot take (`a/b`, control characters) is InvalidInput; a name that is a user's is Conflict.
        """
        # Keycloak sends full group paths (`/finance`); a top-level path is its name. Deeper paths (`/a/b`) are
        # refused (InvalidInput) rather than guessed: turn off "Full group path" in the claim mapper.
        wanted = {validate_name(n.strip().removeprefix("/"), "groups"): None for n in group_names if n and n.strip()}
        now = self._clock.now()
        for attempt in range(2):  # a group created concurrently by another sign-in: the second pass finds it
            try:
                with self._catalog.transaction() as session:
                    member = session.get(PrincipalRow, principal.id)
                    if member is None:
                        raise NotFound(f"Principal {principal.name!r} not found")
                    groups = [ensure_group(session, name, now, principal.name) for name in wanted]
                    keep = {g.id for g in groups}
                    left = session.execute(
                        delete(GroupMemberRow).where(
                            GroupMemberRow.member_id == member.id,
                            GroupMemberRow.source == source.value,
                            GroupMemberRow.group_id.not_in(keep),
                        )
                    )
                    joined = [g for g in groups if session.get(GroupMemberRow, (g.id, member.id)) is None]
                    for group in joined:
                        add_membership(session, group, member, source, now)
                    if joined or int(getattr(left, "rowcount", 0)):
                        # What the member may read changed: caches keyed by the catalog version must see it.
                        record(
                            session,
                            at=now,
                            actor=principal.name,
                            action="principal.groups_synced",
                            resource_type="principal",
                            resource_id=member.id,
                            resource_name=member.name,
                            after={"groups": sorted(g.name for g in groups), "source": source.value},
                        )
                    return sorted(g.name for g in groups)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _journal(self, session: Session, actor: str | None, action: str, group: PrincipalRow, member: str) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor,
            action=action,
            resource_type="principal",
            resource_id=group.id,
            resource_name=group.name,
            after={"member": member},
        )


# -- shared with SCIM (same capability) ---------------------------------------------------------------
def group_of(session: Session, ref: str) -> PrincipalRow:
    row = find_principal_row(session, ref)
    if row is None or row.kind != GROUP:
        raise NotFound(f"Group {ref!r} not found")
    return row


def member_of(session: Session, ref: str) -> PrincipalRow:
    row = find_principal_row(session, ref)
    if row is None:
        raise NotFound(f"Principal {ref!r} not found")
    if row.kind == GROUP:
        raise invalid("principal", "groups hold users and service principals, not other groups")
    return row


def ensure_group(session: Session, name: str, at: datetime, by: str | None) -> PrincipalRow:
    """The group of that name, created (with no roles) when it does not exist yet."""
    row = find_principal_row(session, name)
    if row is not None:
        if row.kind != GROUP:
            raise Conflict(f"{name!r} is a {row.kind} principal, not a group")
        return row
    check_namespace(session, name, None)
    row = PrincipalRow(
        id=new_id("prn"),
        name=name,
        key=name.lower(),
        kind=GROUP,
        email=name.lower() if "@" in name else None,
        display_name=name,
        platform_role="user",
        disabled=False,
        created_at=at,
    )
    session.add(row)
    session.flush()
    record(
        session,
        at=at,
        actor=by,
        action="principal.created",
        resource_type="principal",
        resource_id=row.id,
        resource_name=name,
        after={"kind": GROUP},
    )
    return row


def add_membership(
    session: Session, group: PrincipalRow, member: PrincipalRow, source: GroupSource, at: datetime
) -> GroupMemberRow:
    if member.kind == GROUP:
        raise invalid("principal", "groups hold users and service principals, not other groups")
    row = session.get(GroupMemberRow, (group.id, member.id))
    if row is None:
        row = GroupMemberRow(group_id=group.id, member_id=member.id, source=source.value, created_at=at)
        session.add(row)
        session.flush()
    return row


def remove_membership(session: Session, group_id: str, member_id: str) -> bool:
    result = session.execute(
        delete(GroupMemberRow).where(GroupMemberRow.group_id == group_id, GroupMemberRow.member_id == member_id)
    )
    return bool(getattr(result, "rowcount", 0))


def _is_member(session: Session, group_id: str, principal_id: str) -> bool:
    return session.get(GroupMemberRow, (group_id, principal_id)) is not None


def _admin_only(actor: Principal) -> None:
    if not actor.is_platform_admin:
        raise Forbidden("Only platform admins manage group members")


def _view(group: PrincipalRow, member: PrincipalRow, row: GroupMemberRow) -> GroupMember:
    return GroupMember(
        group=group.name,
        principal=member.name,
        kind="service" if member.kind == "service" else "user",
        source=GroupSource(row.source).value,
        added_at=row.created_at,
    )
