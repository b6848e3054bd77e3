"""Provisioning from the company directory (SCIM's verbs, in Lakemesh's words): users and groups by id.

The SCIM edge (`api/scim.py`) only translates resources to these calls. What the directory sees: people
(principals of kind `user` that are not platform admins: the directory cannot deactivate the admin who runs
the platform) and groups. Deactivating a user revokes its tokens and web sessions in the same transaction;
deleting one disables it, drops its roles and memberships, and hides it from the directory (history and
ownership stay, and provisioning the same userName again revives it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.groups import GROUP, GroupSource
from lakemesh.auth.memberships import add_membership, ensure_group, remove_membership
from lakemesh.auth.service import check_namespace, end_sign_ins
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import insert_recorded, record
from lakemesh.catalog.tables.auth import GroupMemberRow, PrincipalRow, RoleAssignmentRow, ScimIdentityRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import looks_like_email, validate_name

ACTOR = "scim"
Field = Literal["id", "name", "external_id", "display_name"]


@dataclass(frozen=True)
class Ref:
    id: str
    name: str


@dataclass(frozen=True)
class DirectoryEntry:
    """A user or a group as the directory sees it; `refs` are a user's groups or a group's members."""

    id: str
    name: str
    external_id: str | None
    display_name: str | None
    email: str | None
    active: bool
    created: datetime
    modified: datetime
    version: int
    refs: list[Ref] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UserSpec:
    name: str
    external_id: str | None = None
    display_name: str | None = None
    email: str | None = None
    active: bool = True
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    external_id: str | None = None
    member_ids: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)


def _seen(kind: str) -> ColumnElement[bool]:
    """The principals the directory manages: people (not platform admins) or groups, not deleted over SCIM."""
    people = and_(PrincipalRow.kind == "user", PrincipalRow.platform_role == "user")
    return and_(people if kind == "user" else PrincipalRow.kind == GROUP, ScimIdentityRow.deleted_at.is_(None))


def _entries(kind: str) -> Select[PrincipalRow, ScimIdentityRow]:
    return select(PrincipalRow, ScimIdentityRow).outerjoin(ScimIdentityRow).where(_seen(kind))


class Directory:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock

    # -- reads -----------------------------------------------------------------------------------
    def get(self, kind: str, entry_id: str) -> DirectoryEntry:
        with self._catalog.read() as session:
            return self._load(session, kind, entry_id)

    def find(
        self, kind: str, by: Field | None = None, value: str | None = None, *, offset: int = 0, limit: int | None = None
    ) -> tuple[int, list[DirectoryEntry]]:
        """Entries whose `by` equals `value` (names and e-mails case-insensitively), in name order; and how many."""
        condition = _seen(kind) if by is None else and_(_seen(kind), _equals(by, value or ""))
        query = _entries(kind).where(condition).order_by(PrincipalRow.key).offset(offset).limit(limit)
        with self._catalog.read() as session:
            total = session.scalar(
                select(func.count()).select_from(PrincipalRow).outerjoin(ScimIdentityRow).where(condition)
            )
            rows = list(session.execute(query))
            refs = _refs(session, kind, [p.id for p, _ in rows])
            return int(total or 0), [_entry(p, s, refs.get(p.id, [])) for p, s in rows]

    # -- users -----------------------------------------------------------------------------------
    def create_user(self, spec: UserSpec) -> DirectoryEntry:
        """One query and four inserts in one transaction (one statement on PostgreSQL). The inserts go straight to
        the connection, not through the ORM's unit of work (which cost more than they do), and nothing is read back."""
        name, email = _user_names(spec)
        now = self._clock.now()
        claims = [name.lower(), *([email] if email else [])]
        try:
            with self._catalog.transaction() as session:
                connection = session.connection()
                # One lookup answers both questions: is the name or e-mail taken, and by a user deleted over SCIM?
                clash = connection.execute(_CLASH, {"keys": claims, "emails": claims}).all()
                revived = (
                    len(clash) == 1
                    and clash[0].key == name.lower()
                    and _was_deleted(clash[0].kind, clash[0].deleted_at)
                )
                if clash and not revived:
                    taken = clash[0].name
                    raise Conflict(f"{name!r} or its e-mail is already principal {taken!r}'s; they are unique")
                if revived:
                    row, scim = (
                        session.get_one(PrincipalRow, clash[0].id),
                        session.get_one(ScimIdentityRow, clash[0].id),
                    )
                    scim.deleted_at = None
                    self._apply_user(session, row, scim, spec, name, email, now)
                    self._journal(session, "principal.created", row, {"scim": True, "revived": True})
                    return _entry(row, scim, [])
                entry = DirectoryEntry(
                    id=new_id("prn"),
                    name=name,
                    external_id=spec.external_id,
                    display_name=spec.display_name,
                    email=email,
                    active=spec.active,
                    created=now,
                    modified=now,
                    version=1,
                    attributes=dict(spec.attributes),
                )
                insert_recorded(
                    session,
                    [(PrincipalRow, _principal_values(entry)), (ScimIdentityRow, _identity_values(entry))],
                    at=now,
                    actor=ACTOR,
                    action="principal.created",
                    resource_type="principal",
                    resource_id=entry.id,
                    resource_name=name,
                    after={"scim": True, "revived": False},
                )
                return entry
        except IntegrityError as exc:
            raise Conflict(f"userName {name!r} or its e-mail was taken a moment ago") from exc

    def replace_user(self, user_id: str, spec: UserSpec) -> DirectoryEntry:
        name, email = _user_names(spec)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, scim = self._row(session, "user", user_id)
            _check_free(session, row.id, name, email)
            was_active = not row.disabled
            self._apply_user(session, row, scim, spec, name, email, now)
            # Journaled either way: a new name or e-mail can change what the user owns (owners are named), and
            # governed queries keep what a reader may read until the catalog version moves.
            action = "principal.disabled" if was_active and not spec.active else "principal.updated"
            self._journal(session, action, row, {"scim": True})
            return self._load(session, "user", row.id)

    def delete(self, kind: str, entry_id: str) -> None:
        """A user is disabled and hidden (history stays); a group is deleted, and its members lose what it held."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, scim = self._row(session, kind, entry_id)
            if kind == GROUP:
                session.execute(delete(PrincipalRow).where(PrincipalRow.id == row.id))
            else:
                row.disabled = True
                scim.deleted_at = now
                end_sign_ins(session, row.id, now)
                session.execute(delete(GroupMemberRow).where(GroupMemberRow.member_id == row.id))
                session.execute(delete(RoleAssignmentRow).where(RoleAssignmentRow.principal_id == row.id))
            self._journal(session, "principal.deleted", row, {"scim": True})

    # -- groups ----------------------------------------------------------------------------------
    def create_group(self, spec: GroupSpec) -> DirectoryEntry:
        name = validate_name(spec.name, "displayName")
        now = self._clock.now()
        try:
            with self._catalog.transaction() as session:
                check_namespace(session, name, None)
                row = ensure_group(session, name, now, ACTOR)
                scim = _identity(session, row, now)
                scim.external_id, scim.version, scim.attributes = spec.external_id, 1, spec.attributes
                self._set_members(session, row, spec.member_ids, now)
                return self._load(session, GROUP, row.id)
        except IntegrityError as exc:
            raise Conflict(f"displayName {name!r} was taken a moment ago") from exc

    def replace_group(self, group_id: str, spec: GroupSpec) -> DirectoryEntry:
        name = validate_name(spec.name, "displayName")
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, scim = self._row(session, GROUP, group_id)
            if name.lower() != row.key:
                check_namespace(session, name, None)
                row.name, row.key, row.display_name = name, name.lower(), name
            scim.external_id, scim.version, scim.updated_at = spec.external_id, scim.version + 1, now
            scim.attributes = spec.attributes
            self._set_members(session, row, spec.member_ids, now)
            # Members come and go with their roles and grants through the group: move the catalog version.
            self._journal(session, "principal.updated", row, {"scim": True, "members": len(spec.member_ids)})
            return self._load(session, GROUP, row.id)

    # -- helpers ---------------------------------------------------------------------------------
    def _apply_user(
        self,
        session: Session,
        row: PrincipalRow,
        scim: ScimIdentityRow,
        spec: UserSpec,
        name: str,
        email: str | None,
        now: datetime,
    ) -> None:
        row.name, row.key, row.email, row.display_name = name, name.lower(), email, spec.display_name
        row.disabled = not spec.active
        if not spec.active:
            end_sign_ins(session, row.id, now)
        scim.external_id, scim.version, scim.updated_at = spec.external_id, scim.version + 1, now
        scim.attributes = spec.attributes

    def _set_members(self, session: Session, group: PrincipalRow, member_ids: list[str], now: datetime) -> None:
        """The group's members become exactly `member_ids` (users the directory sees); new ones come from SCIM."""
        wanted = list(dict.fromkeys(member_ids))
        found = {p.id: p for p, _ in session.execute(_entries("user").where(PrincipalRow.id.in_(wanted)))}
        unknown = [m for m in wanted if m not in found]
        if unknown:
            raise invalid("members", f"no user with id {unknown[0]!r}")
        for member_id in set(_member_ids(session, group.id)) - set(wanted):
            remove_membership(session, group.id, member_id)
        for member_id in wanted:
            add_membership(session, group, found[member_id], GroupSource.SCIM, now)

    def _row(self, session: Session, kind: str, entry_id: str) -> tuple[PrincipalRow, ScimIdentityRow]:
        found = session.execute(_entries(kind).where(PrincipalRow.id == entry_id)).first()
        if found is None:
            raise NotFound(f"{'Group' if kind == GROUP else 'User'} {entry_id!r} not found")
        return found[0], found[1] or _identity(session, found[0], self._clock.now())

    def _load(self, session: Session, kind: str, entry_id: str) -> DirectoryEntry:
        row, scim = self._row(session, kind, entry_id)
        return _entry(row, scim, _refs(session, kind, [row.id]).get(row.id, []))

    def _journal(self, session: Session, action: str, row: PrincipalRow, after: dict[str, object]) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=ACTOR,
            action=action,
            resource_type="principal",
            resource_id=row.id,
            resource_name=row.name,
            after=after,
        )


def _user_names(spec: UserSpec) -> tuple[str, str | None]:
    name = validate_name(spec.name, "userName")
    email = spec.email or (name if "@" in name else None)
    if email is not None and not looks_like_email(email):
        raise invalid("emails", "must be an email address")
    return name, email.lower() if email else None


def _equals(by: Field, value: str) -> ColumnElement[bool]:
    if by == "id":
        return PrincipalRow.id == value
    if by == "external_id":
        return ScimIdentityRow.external_id == value
    if by == "display_name":
        return func.lower(PrincipalRow.display_name) == value.lower()
    return PrincipalRow.key == value.strip().lower()


def _identity(session: Session, row: PrincipalRow, now: datetime) -> ScimIdentityRow:
    scim = session.get(ScimIdentityRow, row.id) if row.id else None
    if scim is None:
        scim = ScimIdentityRow(
            principal_id=row.id, external_id=None, version=0, updated_at=row.created_at or now, attributes={}
        )
        session.add(scim)
    return scim


def _check_free(session: Session, principal_id: str, name: str, email: str | None) -> None:
    """As `check_namespace`, but the principal's own name and e-mail are not a clash."""
    claims = {name.lower()} | ({email} if email else set())
    clash = session.scalar(
        select(PrincipalRow.name).where(
            PrincipalRow.id != principal_id, PrincipalRow.key.in_(claims) | func.lower(PrincipalRow.email).in_(claims)
        )
    )
    if clash is not None:
        raise Conflict(f"{name!r} or its e-mail is already principal {clash!r}'s; names and e-mails are unique")


def _was_deleted(kind: str, deleted_at: datetime | None) -> bool:
    """A user the directory deleted (disabled and hidden): provisioning its userName again revives it."""
    return deleted_at is not None and kind == "user"


# The create's one query, built once: the names and e-mails a new user would claim, and who holds them.
_CLASH = (
    select(PrincipalRow.id, PrincipalRow.key, PrincipalRow.name, PrincipalRow.kind, ScimIdentityRow.deleted_at)
    .outerjoin(ScimIdentityRow)
    .where(
        PrincipalRow.key.in_(bindparam("keys", expanding=True))
        | func.lower(PrincipalRow.email).in_(bindparam("emails", expanding=True))
    )
    .limit(2)
)


def _principal_values(entry: DirectoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "key": entry.name.lower(),
        "kind": "user",
        "email": entry.email,
        "display_name": entry.display_name,
        "platform_role": "user",
        "disabled": not entry.active,
        "created_at": entry.created,
    }


def _identity_values(entry: DirectoryEntry) -> dict[str, Any]:
    return {
        "principal_id": entry.id,
        "external_id": entry.external_id,
        "version": entry.version,
        "updated_at": entry.modified,
        "deleted_at": None,
        "attributes": entry.attributes,
    }


def _member_ids(session: Session, group_id: str) -> list[str]:
    return list(session.scalars(select(GroupMemberRow.member_id).where(GroupMemberRow.group_id == group_id)))


def _refs(session: Session, kind: str, ids: list[str]) -> dict[str, list[Ref]]:
    """A page's groups (of users) or members (of groups), in one query."""
    if not ids:
        return {}
    mine, theirs = (
        (GroupMemberRow.group_id, GroupMemberRow.member_id)
        if kind == GROUP
        else (GroupMemberRow.member_id, GroupMemberRow.group_id)
    )
    query = (
        select(mine, PrincipalRow.id, PrincipalRow.name)
        .join(PrincipalRow, PrincipalRow.id == theirs)
        .where(mine.in_(ids))
        .order_by(PrincipalRow.key)
    )
    found: dict[str, list[Ref]] = {}
    for owner, ref_id, ref_name in session.execute(query):
        found.setdefault(owner, []).append(Ref(ref_id, ref_name))
    return found


def _entry(row: PrincipalRow, scim: ScimIdentityRow | None, refs: list[Ref]) -> DirectoryEntry:
    return DirectoryEntry(
        id=row.id,
        name=row.name,
        external_id=scim.external_id if scim else None,
        display_name=row.display_name,
        email=row.email,
        active=not row.disabled,
        created=row.created_at,
        modified=scim.updated_at if scim else row.created_at,
        version=max(scim.version if scim else 1, 1),
        refs=refs,
        attributes=dict(scim.attributes or {}) if scim else {},
    )
