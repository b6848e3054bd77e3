"""Reading the audit log: platform admins see everything, domain Admins their domains."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lakemesh.audit.models import AuditEntry, AuditQuery
from lakemesh.auth import assignments
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, role_allows
from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.audit import AuditRow
from lakemesh.core.errors import Forbidden
from lakemesh.core.names import slugify
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor

# Id -> slug of domains: audit sits beside domains in the layers, so the platform hands it domains' own read.
DomainSlugs = Callable[[Session, Collection[str]], dict[str, str]]


class AuditService:
    def __init__(self, catalog: Catalog, domain_slugs: DomainSlugs) -> None:
        self._catalog = catalog
        self._domain_slugs = domain_slugs

    def list(
        self, actor: Principal, query: AuditQuery, *, limit: int = 50, cursor: str | None = None
    ) -> Page[AuditEntry]:
        check_limit(limit)
        before_id = decode_cursor(cursor)
        with self._catalog.read() as session:
            stmt: Select[AuditRow] = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit + 1)
            if not actor.is_platform_admin:
                roles = assignments.domains_of(session, actor.id)
                ids = [d for d, role in roles.items() if role_allows(role, Action.AUDIT_READ)]
                slugs = list(self._domain_slugs(session, ids).values())
                if not slugs:
                    raise Forbidden("Only platform admins and domain Admins can read the audit log")
                stmt = stmt.where(AuditRow.domain.in_(slugs))
            stmt = _filtered(stmt, query)
            if before_id is not None:
                stmt = stmt.where(AuditRow.id < int(before_id))
            rows = list(session.scalars(stmt))
        items = [AuditEntry.model_validate(r, from_attributes=True) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)


def _filtered(stmt: Select[AuditRow], query: AuditQuery) -> Select[AuditRow]:
    if query.actor:
        stmt = stmt.where(AuditRow.actor == query.actor)
    if query.action:
        stmt = stmt.where(
            AuditRow.action.startswith(query.action) if query.action.endswith(".") else AuditRow.action == query.action
        )
    if query.domain:
        stmt = stmt.where(AuditRow.domain == slugify(query.domain))
    if query.resource_type:
        stmt = stmt.where(AuditRow.resource_type == query.resource_type)
    if query.since:
        stmt = stmt.where(AuditRow.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditRow.at < query.until)
    return stmt


def latest_entries(session: Session, actor_name: str, action: str, limit: int) -> list[AuditRow]:
    """The actor's latest audit entries of one action, newest first (e.g. access's query history)."""
    query = (
        select(AuditRow)
        .where(AuditRow.actor == actor_name, AuditRow.action == action)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
