"""Grants: the grant source the authorizer asks, listing, revoking and expiring grants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakemesh.access import parties, store
from lakemesh.access.agreement_terms import end_row
from lakemesh.access.models import Grant, GrantRevoke, GrantState
from lakemesh.access.reads import ReadGovernor
from lakemesh.access.rules import grant_view
from lakemesh.auth.authorize import Authorizer, Reader, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.access import AccessRequestRow, GrantRow
from lakemesh.catalog.tables.agreements import AgreementRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.products.reads import product_by_id, products_by_ids

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow

_Owned = TypeVar("_Owned", AccessRequestRow, GrantRow)

GRANTABLE = (Action.DATA_READ, Action.ITEM_READ)


class AccessGrants:
    """Grants in force answer the authorizer; approvers and grantees list and revoke them."""

    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock, reads: ReadGovernor) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self.reads = reads

    # -- the grant source: checked on every authorization, so expiry and revocation apply at once ------------
    def grant_allows(self, principal: Principal, action: Action, resource: Resource, reader: Reader) -> bool:
        if action not in GRANTABLE or resource.domain_id is None:
            return False
        now = self._clock.now()
        if resource.kind == "table":
            return store.grant_on_table_name(reader, principal.id, resource.domain_id, resource.name, now)
        if resource.kind == "product":
            return store.grant_on_product_name(reader, principal.id, resource.domain_id, resource.name, now)
        return False

    # -- grants ----------------------------------------------------------------------------------
    def list_grants(
        self,
        actor: Principal,
        *,
        product: str | None = None,
        state: str | None = "active",
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Grant]:
        """Your grants (and your domains'), and the grants on products you approve for."""
        check_limit(limit)
        after = decode_cursor(cursor)
        now = self._clock.now()
        with self._catalog.read() as session:
            query = select(GrantRow)
            if product is not None:
                found, _ = self._visible_product(session, actor, product)
                query = query.where(GrantRow.product_id == found.id)
            if state == GrantState.ACTIVE:
                query = query.where(store.in_force(now))
            elif state == GrantState.REVOKED:
                query = query.where(GrantRow.revoked_at.is_not(None))
            elif state == GrantState.EXPIRED:
                query = query.where(GrantRow.revoked_at.is_(None), ~store.in_force(now))
            elif state is not None:
                raise invalid("state", "must be active, expired or revoked")
            if not actor.is_platform_admin:
                query = query.where(or_(store.held_by(actor.id), self._approver_scope(session, actor, GrantRow)))
            if after is not None:
                query = query.where(GrantRow.id < str(after))
            rows = list(session.scalars(query.order_by(GrantRow.id.desc()).limit(limit + 1)))
            items = [
                grant_view(g, f"{d.slug}/{p.slug}", store.table_name(session, p.table_id), now)
                for g, p, d in with_owners(session, rows[:limit])
            ]
        more = len(rows) > limit
        return Page(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)

    def revoke(self, actor: Principal, grant_id: str, revoke: GrantRevoke) -> Grant:
        """Approvers revoke grants on their products; grantees may give up their own."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            grant = session.get(GrantRow, grant_id)
            owning = owner_of(session, grant)
            if grant is None or owning is None:
                raise NotFound(f"Grant {grant_id!r} not found")
            product, domain = owning
            if not self._may_revoke(session, actor, grant, product, domain):
                holds = session.execute(select(GrantRow.id).where(GrantRow.id == grant.id, store.held_by(actor.id)))
                if holds.first() is None:
                    raise NotFound(f"Grant {grant_id!r} not found")
                raise Forbidden("Only the product's owner or its domain's Admins can revoke a domain's grant")
            if grant.revoked_at is not None:
                raise Conflict(f"Grant {grant_id} was already revoked")
            grant.revoked_at, grant.revoked_by, grant.revoke_reason = now, actor.name, revoke.reason or None
            agreement = session.get(AgreementRow, grant.agreement_id) if grant.agreement_id else None
            if agreement is not None and agreement.ended_at is None:
                end_row(session, agreement, (product, domain), actor.name, revoke.reason or None, now)
            view = grant_view(grant, f"{domain.slug}/{product.slug}", store.table_name(session, product.table_id), now)
            self._journal_grant(session, actor, grant, domain, "grant.revoked", view)
            return view

    def revocable(self, actor: Principal, grant_ids: list[str]) -> set[str]:
        """The grants among these that `revoke` would let the actor revoke: pages offer the button for those only."""
        found: set[str] = set()
        with self._catalog.read() as session:
            for grant_id in grant_ids:
                grant = session.get(GrantRow, grant_id)
                owning = owner_of(session, grant)
                if grant is None or owning is None or grant.revoked_at is not None:
                    continue
                if self._may_revoke(session, actor, grant, *owning):
                    found.add(grant.id)
        return found

    def sweep_expired(self) -> int:
        """Mark grants past their expiry (the scheduler runs this); reads already refuse them without it."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            expiring = session.scalars(
                select(GrantRow)
                .where(
                    GrantRow.expires_at.is_not(None),
                    GrantRow.expires_at <= now,
                    GrantRow.expired_at.is_(None),
                    GrantRow.revoked_at.is_(None),
                )
                .limit(1000)
            ).all()
            due = with_owners(session, list(expiring))
            for grant, product, domain in due:
                grant.expired_at = now
                view = grant_view(grant, f"{domain.slug}/{product.slug}", None, now)
                self._journal_grant(session, None, grant, domain, "grant.expired", view)
            return len(due)

    # -- internals shared with requests --------------------------------------------------------------
    def _visible_product(self, session: Session, actor: Principal, ref: str) -> tuple[ProductRow, DomainRow]:
        return parties.find_product(session, self._authz, actor, ref)

    def _is_approver(self, session: Session, actor: Principal, product: ProductRow, domain: DomainRow) -> bool:
        return parties.is_approver(session, self._authz, actor, product, domain)

    def _may_revoke(
        self, session: Session, actor: Principal, grant: GrantRow, product: ProductRow, domain: DomainRow
    ) -> bool:
        own = grant.grantee_kind == "principal" and grant.grantee_id == actor.id
        return own or self._is_approver(session, actor, product, domain)

    def _approver_scope(
        self, session: Session, actor: Principal, table: type[AccessRequestRow] | type[GrantRow]
    ) -> Any:
        return parties.approver_scope(session, actor, table)

    def _journal_grant(
        self, session: Session, actor: Principal | None, grant: GrantRow, domain: DomainRow, action: str, view: Grant
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name if actor else None,
            action=action,
            resource_type="grant",
            resource_id=grant.id,
            resource_name=view.product,
            domain=domain.slug,
            after={"grantee": view.grantee, "columns": view.columns, "state": view.state},
            payload=view.model_dump(mode="json"),
        )


def owner_of(session: Session, row: AccessRequestRow | GrantRow | None) -> tuple[ProductRow, DomainRow] | None:
    """The product and domain a request or grant belongs to; None when the row or either of them is gone."""
    if row is None:
        return None
    return product_by_id(session, row.product_id)


def with_owners(session: Session, rows: list[_Owned]) -> list[tuple[_Owned, ProductRow, DomainRow]]:
    """Each request or grant with its product and domain (read in one query); rows whose product is gone are left out,
    as the join they replace left them out."""
    owning = products_by_ids(session, {row.product_id for row in rows})
    found: list[tuple[_Owned, ProductRow, DomainRow]] = []
    for row in rows:
        if row.product_id in owning:
            product, domain = owning[row.product_id]
            found.append((row, product, domain))
    return found
