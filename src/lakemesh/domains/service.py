"""Domain use cases: create, read, update, delete, and role assignments."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from lakemesh.auth import assignments
from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, DomainRole
from lakemesh.auth.service import find_principal_row
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, Forbidden, InvalidInput, NotFound, PreconditionFailed, invalid
from lakemesh.core.ids import native_ref, new_id
from lakemesh.core.names import looks_like_email, slugify, validate_name
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.models import Domain, DomainCreate, DomainUpdate, Member, MemberAdd

# Other capabilities tell the domain service what still lives in a domain (lakehouses, products...):
# a callable returning (what, how many) for a domain id, inside the deleting transaction.
DependentCount = Callable[[Session, str], tuple[str, int]]
# ...and how to remove it when a delete is forced.
DependentPurge = Callable[[Session, str], None]


def domain_resource(row: DomainRow | Row[Any]) -> Resource:
    return Resource(kind="domain", name=row.name, domain_id=row.id, visible=True)


def _candidate_slugs(ref: str) -> list[str]:
    """By slug or id; `Sales-Domain` also finds `Sales` (the seed names workspaces that way)."""
    slug = slugify(ref)
    aliases = [slug.removesuffix("-domain")] if slug.endswith("-domain") else []
    native = native_ref(ref, "dom")  # a GUID (Fabric workspace id) names the same domain
    return [slug, *aliases, *([native] if native.startswith("dom_") else [])]


def find_domain_row(session: Session, ref: str) -> DomainRow | None:
    """The ORM row, for changes inside a transaction."""
    for candidate in _candidate_slugs(ref):
        row = session.scalar(select(DomainRow).where((DomainRow.slug == candidate) | (DomainRow.id == candidate)))
        if row is not None:
            return row
    return None


def domain_rows(session: Session, ids: Collection[str] | None = None) -> list[DomainRow]:
    """Domains by slug: all of them, or those with the given ids (for capabilities that keep domain ids)."""
    query = select(DomainRow).order_by(DomainRow.slug)
    if ids is not None:
        query = query.where(DomainRow.id.in_(list(ids)))
    return list(session.scalars(query))


def domain_ids_of(session: Session, slugs: Collection[str]) -> list[str]:
    """Ids of the domains with these slugs (those that exist)."""
    return list(session.scalars(select(DomainRow.id).where(DomainRow.slug.in_(slugs))))


def domain_facts(ids: Collection[str] | None) -> Select[Any]:
    """What a governance subject needs of every domain (or those with `ids`), in a stable order."""
    query = select(
        DomainRow.id, DomainRow.name, DomainRow.slug, DomainRow.display_name, DomainRow.owner_email, DomainRow.tags
    ).order_by(DomainRow.id)
    return query if ids is None else query.where(DomainRow.id.in_(list(ids)))


def domain_by_id(session: Session, domain_id: str | None) -> DomainRow | None:
    """The domain with this id (None when there is none), for capabilities that keep domain ids."""
    return session.get(DomainRow, domain_id) if domain_id else None


def domain_ids_by_slug(session: Session, slugs: Collection[str]) -> dict[str, str]:
    """Slug → id of the domains with these exact slugs (those that exist), for capabilities that key by slug."""
    if not slugs:
        return {}
    rows = session.execute(select(DomainRow.slug, DomainRow.id).where(DomainRow.slug.in_(list(slugs))))
    return dict(rows.all())


def domain_slugs_of(session: Session, ids: Collection[str]) -> dict[str, str]:
    """Id → slug of the domains with these ids (those that exist)."""
    if not ids:
        return {}
    rows = session.execute(select(DomainRow.id, DomainRow.slug).where(DomainRow.id.in_(list(ids))))
    return dict(rows.all())


def require_domain_row(session: Session, ref: str) -> DomainRow:
    """`find_domain_row`, or 404: every capability that filters or loads by domain answers the same way."""
    row = find_domain_row(session, ref)
    if row is None:
        raise NotFound(f"Domain {ref!r} not found")
    return row


_DOMAIN_LOOKUP = select(DomainRow.__table__).where(
    (DomainRow.slug == bindparam("ref")) | (DomainRow.id == bindparam("ref"))
)


def read_domain_row(connection: Connection, ref: str) -> Row[Any] | None:
    """A plain row for hot read paths; it has the same attributes as a DomainRow."""
    for candidate in _candidate_slugs(ref):
        row = connection.execute(_DOMAIN_LOOKUP, {"ref": candidate}).first()
        if row is not None:
            return row
    return None


def to_domain(row: DomainRow | Row[Any]) -> Domain:
    return Domain(
        id=row.id,
        name=row.name,
        slug=row.slug,
        display_name=row.display_name,
        description=row.description,
        owner=row.owner_email,
        steward=row.steward_email,
        tags=list(row.tags or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
        etag=f'"{row.id}.{row.revision}"',
    )


class DomainService:
    def __init__(
        self, catalog: Catalog, authorizer: Authorizer, clock: Clock, *, allow_domain_creation: bool = False
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._allow_creation = allow_domain_creation
        self._dependents: list[tuple[DependentCount, DependentPurge]] = []

    def register_dependent(self, count: DependentCount, purge: DependentPurge) -> None:
        self._dependents.append((count, purge))

    def create(self, actor: Principal, spec: DomainCreate) -> Domain:
        if not (actor.is_platform_admin or self._allow_creation):
            raise Forbidden("Only platform admins can create domains")
        name = validate_name(spec.name)
        _check_emails(spec.owner, spec.steward)
        tags = _clean_tags(spec.tags)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            slug = slugify(name)
            if session.scalar(select(DomainRow.id).where(DomainRow.slug == slug)) is not None:
                raise Conflict(f"A domain named {name!r} already exists")
            row = DomainRow(
                id=new_id("dom"),
                name=name,
                slug=slug,
                display_name=spec.display_name,
                description=spec.description,
                owner_email=_lower(spec.owner),
                steward_email=_lower(spec.steward),
                tags=tags,
                created_at=now,
                updated_at=now,
                revision=1,
            )
            session.add(row)
            session.flush()
            if not actor.is_platform_admin:
                assignments.assign(session, row.id, actor.id, DomainRole.ADMIN, now)  # creators administer
            self._owner_administers(session, actor, row, now)
            domain = to_domain(row)
            record(
                session,
                at=now,
                actor=actor.name,
                action="domain.created",
                resource_type="domain",
                resource_id=row.id,
                resource_name=name,
                domain=slug,
                after=_summary(domain),
            )
            return domain

    def get(self, actor: Principal, ref: str) -> Domain:
        with self._catalog.connect() as connection:
            row = read_domain_row(connection, ref)
            if row is None or actor.disabled:
                raise NotFound(f"Domain {ref!r} not found")
            return to_domain(row)  # domains are listed to everyone signed in, so each one is readable too

    def list_domains(self, actor: Principal, *, limit: int = 50, cursor: str | None = None) -> Page[Domain]:
        check_limit(limit)
        after = decode_cursor(cursor)
        query = select(DomainRow.__table__).order_by(DomainRow.slug).limit(limit + 1)
        if after is not None:
            query = query.where(DomainRow.slug > str(after))
        with self._catalog.connect() as connection:
            rows = list(connection.execute(query))
        return Page(
            items=[to_domain(r) for r in rows[:limit]],
            next_cursor=encode_cursor(rows[limit - 1].slug) if len(rows) > limit else None,
        )

    def update(self, actor: Principal, ref: str, changes: DomainUpdate, *, if_match: str | None = None) -> Domain:
        fields = changes.model_dump(exclude_unset=True)
        _check_emails(fields.get("owner"), fields.get("steward"))
        with self._catalog.transaction() as session:
            row = self._load(session, actor, ref, Action.DOMAIN_UPDATE)
            before = to_domain(row)
            if if_match is not None and if_match.strip() not in {before.etag, "*"}:
                raise PreconditionFailed("The domain changed since you read it; read it again and retry")
            for key, value in fields.items():
                if key == "tags":
                    row.tags = _clean_tags(value or [])
                elif key in {"owner", "steward"}:
                    setattr(row, f"{key}_email", _lower(value))
                elif key == "description":
                    row.description = value or ""
                else:
                    setattr(row, key, value)
            row.revision += 1
            row.updated_at = self._clock.now()
            if fields.get("owner"):
                self._owner_administers(session, actor, row, row.updated_at)
            after = to_domain(row)
            record(
                session,
                at=row.updated_at,
                actor=actor.name,
                action="domain.updated",
                resource_type="domain",
                resource_id=row.id,
                resource_name=row.name,
                domain=row.slug,
                before=_summary(before, fields),
                after=_summary(after, fields),
            )
            return after

    def delete(self, actor: Principal, ref: str, *, force: bool = False) -> None:
        with self._catalog.transaction() as session:
            row = self._load(session, actor, ref, Action.DOMAIN_DELETE)
            held = [(what, n) for what, n in (count(session, row.id) for count, _ in self._dependents) if n]
            if held and not force:
                listing = ", ".join(f"{n} {what}" for what, n in held)
                raise Conflict(f"Domain {row.name!r} still holds {listing}; delete them first or use force")
            for _, purge in self._dependents:
                purge(session, row.id)
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="domain.deleted",
                resource_type="domain",
                resource_id=row.id,
                resource_name=row.name,
                domain=row.slug,
                before=_summary(to_domain(row)),
                payload={"force": force, "held": dict(held)},
            )
            session.delete(row)

    # -- members -----------------------------------------------------------------------------
    def list_members(self, actor: Principal, ref: str) -> list[Member]:
        with self._catalog.read() as session:
            row = self._load(session, actor, ref, Action.MEMBERS_READ)
            return [_member(a, p) for a, p in assignments.assignments(session, row.id)]

    def add_member(self, actor: Principal, ref: str, spec: MemberAdd) -> Member:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = self._load(session, actor, ref, Action.MEMBERS_MANAGE)
            principal = find_principal_row(session, spec.principal)
            if principal is None or principal.disabled:
                raise invalid("principal", f"{spec.principal!r} is not an active principal")
            previous = assignments.assign(session, row.id, principal.id, spec.role, now)
            if previous == DomainRole.ADMIN.value and spec.role is not DomainRole.ADMIN:
                self._keep_an_admin(session, row)
            _member_added(session, actor, row, now, principal.name, previous, {"role": spec.role.value})
            session.flush()
            return next(_member(a, p) for a, p in assignments.assignments(session, row.id) if p.id == principal.id)

    def remove_member(self, actor: Principal, ref: str, principal_ref: str) -> None:
        with self._catalog.transaction() as session:
            row = self._load(session, actor, ref, Action.MEMBERS_MANAGE)
            principal = find_principal_row(session, principal_ref)
            if principal is None or not assignments.unassign(session, row.id, principal.id):
                raise NotFound(f"{principal_ref!r} is not a member of {row.name!r}")
            self._keep_an_admin(session, row)
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="member.removed",
                resource_type="domain",
                resource_id=row.id,
                resource_name=row.name,
                domain=row.slug,
                before={"principal": principal.name},
            )

    # -- helpers -----------------------------------------------------------------------------
    def resolve(self, session: Session, actor: Principal, ref: str, action: Action) -> DomainRow:
        """For other capabilities: the domain row, after checking the caller may do `action` in it."""
        return self._load(session, actor, ref, action)

    def _load(self, session: Session, actor: Principal, ref: str, action: Action) -> DomainRow:
        row = require_domain_row(session, ref)
        self._authz.authorize(actor, action, domain_resource(row), session)
        return row

    def _owner_administers(self, session: Session, actor: Principal, row: DomainRow, now: datetime) -> None:
        """The owner runs the domain: a principal with the owner's email (or name) becomes an Admin member.

        No principal yet (the owner has not signed in): nothing to assign; the CLI says so and how to add them later.
        """
        principal = find_principal_row(session, row.owner_email) if row.owner_email else None
        if principal is None or principal.disabled:
            return
        previous = assignments.assign(session, row.id, principal.id, DomainRole.ADMIN, now)
        if previous == DomainRole.ADMIN.value:
            return
        _member_added(
            session, actor, row, now, principal.name, previous, {"role": DomainRole.ADMIN.value, "why": "domain owner"}
        )

    def _keep_an_admin(self, session: Session, row: DomainRow) -> None:
        """A domain must keep one Admin, unless platform admins run it alone (no members at all)."""
        session.flush()
        if not assignments.count_admins(session, row.id) and assignments.assignments(session, row.id):
            raise Conflict(f"Domain {row.name!r} would have no Admin left; make someone else Admin first")


def _member(assignment: Any, principal: Any) -> Member:
    return Member(
        principal=principal.name,
        principal_id=principal.id,
        email=principal.email,
        kind=principal.kind,
        role=DomainRole(assignment.role),
        added_at=assignment.created_at,
    )


def _summary(domain: Domain, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    data = domain.model_dump(mode="json", exclude={"etag", "created_at", "updated_at"})
    return {k: v for k, v in data.items() if fields is None or k in fields}


def _lower(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def _check_emails(*emails: str | None) -> None:
    errors = [
        ErrorItem((field,), "must be an email address")
        for field, email in zip(("owner", "steward"), emails, strict=True)
        if email is not None and not looks_like_email(email)
    ]
    if errors:
        raise InvalidInput("Invalid domain contacts", errors=errors)


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for index, tag in enumerate(tags):
        value = tag.strip()
        if not value or len(value) > 64 or any(ch.isspace() and ch != " " for ch in value):
            raise invalid(("tags", index), "tags must be 1 to 64 characters on one line")
        if value.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(value)
    return cleaned


def _member_added(
    session: Session,
    actor: Principal,
    row: DomainRow,
    now: datetime,
    name: str,
    previous: str | None,
    after: dict[str, str],
) -> None:
    record(
        session,
        at=now,
        actor=actor.name,
        action="member.added",
        resource_type="domain",
        resource_id=row.id,
        resource_name=row.name,
        domain=row.slug,
        before={"principal": name, "role": previous} if previous else None,
        after={"principal": name, **after},
    )
