"""Access requests and their approval: a request, decided by the product's approvers, becomes a grant."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lakemesh.access import parties, store
from lakemesh.access.agreement_terms import open_agreement
from lakemesh.access.grants import AccessGrants, owner_of, with_owners
from lakemesh.access.models import (
    COUNCIL_GRANTABLE,
    AccessDecision,
    AccessDenial,
    AccessRequest,
    AccessRequestCreate,
    Grant,
    HistoryEntry,
    RequestState,
)
from lakemesh.access.rules import (
    accepted_terms,
    check_columns,
    check_duration,
    check_pending,
    grant_view,
    narrow_columns,
    narrow_duration,
    step,
)
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import DomainRole
from lakemesh.auth.service import find_principal_row
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.access import AccessRequestRow, GrantRow
from lakemesh.core.durations import format_duration
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.service import find_domain_row
from lakemesh.products.status import VISIBLE_TO_ALL

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow


class AccessService(AccessGrants):
    """Requests for access to products, decided by their approvers; a granted request becomes a grant."""

    # -- requests --------------------------------------------------------------------------------
    def request(self, actor: Principal, spec: AccessRequestCreate) -> AccessRequest:
        duration = check_duration(spec.duration, "duration")
        now = self._clock.now()
        with self._catalog.transaction() as session:
            product, domain = self._visible_product(session, actor, spec.product)
            if product.status not in VISIBLE_TO_ALL:
                raise Conflict(
                    f"Product {domain.slug}/{product.slug} is {product.status}; only published products serve"
                )
            kind, grantee_id, grantee = self._grantee(session, actor, spec.grantee)
            if kind == "principal" and self._authz.role_in(actor, domain.id, session) is not None:
                raise Conflict(f"You already read {domain.slug}/{product.slug} through your role in {domain.name}")
            if kind == "domain" and grantee_id == domain.id:
                raise Conflict(f"Members of {domain.name} already read its products through their roles")
            check_columns(product, spec.columns, ("columns",))
            terms = accepted_terms(product, spec.accept_terms)
            pending = session.scalar(
                select(AccessRequestRow.id).where(
                    AccessRequestRow.product_id == product.id,
                    AccessRequestRow.grantee_id == grantee_id,
                    AccessRequestRow.state == RequestState.PENDING,
                )
            )
            if pending is not None:
                raise Conflict(f"A request for {grantee} on this product is already pending ({pending})")
            row = AccessRequestRow(
                id=new_id("ar"),
                product_id=product.id,
                domain_id=domain.id,
                requester_id=actor.id,
                requester=actor.name,
                grantee_kind=kind,
                grantee_id=grantee_id,
                grantee=grantee,
                purpose=spec.purpose,
                columns=spec.columns,
                duration=format_duration(duration) if duration else None,
                state=RequestState.PENDING,
                terms=terms,
                history=[step(now, actor.name, "requested", spec.purpose)],
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            view = self._view(session, row, product, domain)
            self._journal(session, actor, row, domain, "access.requested", view, notify=view.approvers)
            return view

    def list_requests(
        self,
        actor: Principal,
        *,
        state: str | None = None,
        role: str | None = None,
        product: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[AccessRequest]:
        """`role=requester` (your own), `role=approver` (those you decide), default both."""
        check_limit(limit)
        after = decode_cursor(cursor)
        with self._catalog.read() as session:
            query = select(AccessRequestRow)
            if state is not None:
                query = query.where(AccessRequestRow.state == state)
            if product is not None:
                found, _ = self._visible_product(session, actor, product)
                query = query.where(AccessRequestRow.product_id == found.id)
            if not actor.is_platform_admin or role is not None:
                query = query.where(self._request_scope(session, actor, role))
            if after is not None:
                query = query.where(AccessRequestRow.id < str(after))
            rows = list(session.scalars(query.order_by(AccessRequestRow.id.desc()).limit(limit + 1)))
            items = [self._view(session, r, p, d) for r, p, d in with_owners(session, rows[:limit])]
        more = len(rows) > limit
        return Page(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)

    def waiting_count(self, actor: Principal) -> int:
        """How many pending requests the actor decides (`list_requests(role="approver", state="pending")`, counted)."""
        with self._catalog.read() as session:
            query = select(func.count(AccessRequestRow.id)).where(
                AccessRequestRow.state == RequestState.PENDING, self._request_scope(session, actor, "approver")
            )
            return int(session.scalar(query) or 0)

    def get_request(self, actor: Principal, request_id: str) -> AccessRequest:
        with self._catalog.read() as session:
            row, product, domain = self._load_request(session, actor, request_id)
            return self._view(session, row, product, domain)

    def approve(self, actor: Principal, request_id: str, decision: AccessDecision) -> AccessRequest:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, product, domain = self._load_request(session, actor, request_id)
            self._check_approver(session, actor, row, product, domain)
            check_pending(row)
            columns = narrow_columns(row.columns, decision.columns)
            check_columns(product, columns, ("columns",))
            duration = narrow_duration(row.duration, decision.duration)
            grant = GrantRow(
                id=new_id("gr"),
                product_id=product.id,
                domain_id=domain.id,
                grantee_kind=row.grantee_kind,
                grantee_id=row.grantee_id,
                grantee=row.grantee,
                columns=columns,
                expires_at=now + duration if duration else None,
                request_id=row.id,
                created_by=actor.name,
                created_at=now,
            )
            session.add(grant)
            agreement = open_agreement(session, actor.name, row, grant, (product, domain), decision.obligations, now)
            details = {
                "columns": columns,
                "duration": format_duration(duration) if duration else None,
                "agreement": agreement.id,
            }
            self._decide(row, actor, now, RequestState.APPROVED, decision.note or None, details)
            row.grant_id = grant.id
            session.flush()
            view = self._view(session, row, product, domain)
            self._journal(session, actor, row, domain, "access.approved", view, notify=[row.requester])
            created = grant_view(grant, f"{domain.slug}/{product.slug}", store.table_name(session, product.table_id))
            self._journal_grant(session, actor, grant, domain, "grant.created", created)
            return view

    def grant_by_decision(self, decider: Principal, request_id: str, *, decision: str, note: str) -> Grant:
        """The council overrules a denied or stuck request: the grant it asked for, attributed to the decision.

        The caller (the council) has checked who may decide; the request keeps its history, with the decision as
        its last step, so its requester and approvers see why the grant exists."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = session.get(AccessRequestRow, request_id)
            owning = owner_of(session, row)
            if row is None or owning is None:
                raise NotFound(f"Access request {request_id!r} not found")
            product, domain = owning
            if row.state not in COUNCIL_GRANTABLE:
                raise Conflict(f"Access request {row.id} is {row.state}; the council grants denied or pending ones")
            duration = check_duration(row.duration, "duration")
            grant = GrantRow(
                id=new_id("gr"),
                product_id=product.id,
                domain_id=domain.id,
                grantee_kind=row.grantee_kind,
                grantee_id=row.grantee_id,
                grantee=row.grantee,
                columns=row.columns,
                expires_at=now + duration if duration else None,
                request_id=row.id,
                created_by=decider.name,
                created_at=now,
            )
            session.add(grant)
            self._decide(row, decider, now, RequestState.APPROVED, note, {"decision": decision})
            row.grant_id = grant.id
            session.flush()
            view = self._view(session, row, product, domain)
            self._journal(session, decider, row, domain, "access.approved", view, notify=[row.requester])
            created = grant_view(grant, f"{domain.slug}/{product.slug}", store.table_name(session, product.table_id))
            self._journal_grant(session, decider, grant, domain, "grant.created", created)
            return created

    def deny(self, actor: Principal, request_id: str, denial: AccessDenial) -> AccessRequest:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, product, domain = self._load_request(session, actor, request_id)
            self._check_approver(session, actor, row, product, domain)
            check_pending(row)
            self._decide(row, actor, now, RequestState.DENIED, denial.reason, {})
            row.reason = denial.reason
            view = self._view(session, row, product, domain)
            self._journal(session, actor, row, domain, "access.denied", view, notify=[row.requester])
            return view

    def cancel(self, actor: Principal, request_id: str) -> AccessRequest:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, product, domain = self._load_request(session, actor, request_id)
            if row.requester_id != actor.id and not actor.is_platform_admin:
                raise Forbidden("Only the requester can cancel a request")
            check_pending(row)
            self._decide(row, actor, now, RequestState.CANCELLED, None, {})
            view = self._view(session, row, product, domain)
            self._journal(session, actor, row, domain, "access.cancelled", view, notify=view.approvers)
            return view

    # -- internals -------------------------------------------------------------------------------
    def _grantee(self, session: Session, actor: Principal, ref: str | None) -> tuple[str, str, str]:
        if ref is None or ref.strip().lower() in ("", actor.name.lower()):
            return "principal", actor.id, actor.name
        if ref.lower().startswith("domain:"):
            domain = find_domain_row(session, ref.split(":", 1)[1])
            if domain is None:
                raise invalid("grantee", f"no domain {ref.split(':', 1)[1]!r}")
            if not actor.is_platform_admin and self._authz.role_in(actor, domain.id, session) is not DomainRole.ADMIN:
                raise Forbidden(f"Only Admins of {domain.name} can request access for the whole domain")
            return "domain", domain.id, f"domain:{domain.slug}"
        principal = find_principal_row(session, ref)
        if principal is None or not actor.is_platform_admin:
            raise invalid("grantee", "request for yourself, or for a domain you administer as domain:<domain>")
        return "principal", principal.id, principal.name

    def _approvers(self, session: Session, product: ProductRow, domain: DomainRow) -> list[str]:
        return parties.approvers(session, product, domain)

    def _check_approver(
        self, session: Session, actor: Principal, row: AccessRequestRow, product: ProductRow, domain: DomainRow
    ) -> None:
        if not self._is_approver(session, actor, product, domain):
            raise Forbidden("Only the product's owner and its domain's Admins decide access requests")
        if row.requester_id == actor.id and not actor.is_platform_admin:
            raise Forbidden("You cannot decide your own access request")

    def _request_scope(self, session: Session, actor: Principal, role: str | None) -> Any:
        mine = or_(AccessRequestRow.requester_id == actor.id, AccessRequestRow.grantee_id == actor.id)
        if role == "requester":
            return mine
        approving = self._approver_scope(session, actor, AccessRequestRow)
        if role == "approver":
            return approving
        if role is not None:
            raise invalid("role", "must be requester or approver")
        return or_(mine, approving)

    def _load_request(
        self, session: Session, actor: Principal, request_id: str
    ) -> tuple[AccessRequestRow, ProductRow, DomainRow]:
        row = session.get(AccessRequestRow, request_id)
        owning = owner_of(session, row)
        if row is None or owning is None:
            raise NotFound(f"Access request {request_id!r} not found")
        product, domain = owning
        involved = actor.id in (row.requester_id, row.grantee_id)
        owning_team = self._authz.role_in(actor, domain.id, session) is not None
        if not (involved or owning_team or self._is_approver(session, actor, product, domain)):
            raise NotFound(f"Access request {request_id!r} not found")
        return row, product, domain

    def _decide(
        self,
        row: AccessRequestRow,
        actor: Principal,
        now: datetime,
        state: str,
        note: str | None,
        details: dict[str, Any],
    ) -> None:
        row.state, row.decided_by, row.decided_at, row.updated_at = state, actor.name, now, now
        row.history = [*row.history, step(now, actor.name, state, note, details)]

    def _view(self, session: Session, row: AccessRequestRow, product: ProductRow, domain: DomainRow) -> AccessRequest:
        return AccessRequest(
            id=row.id,
            product=f"{domain.slug}/{product.slug}",
            product_name=product.name,
            requester=row.requester,
            grantee=row.grantee,
            grantee_kind=row.grantee_kind,
            purpose=row.purpose,
            columns=row.columns,
            duration=row.duration,
            state=row.state,
            approvers=self._approvers(session, product, domain),
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            reason=row.reason,
            grant_id=row.grant_id,
            terms=row.terms,
            agreement_id=session.scalar(select(GrantRow.agreement_id).where(GrantRow.id == row.grant_id))
            if row.grant_id
            else None,
            history=[HistoryEntry.model_validate(h) for h in row.history],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def _journal(
        self,
        session: Session,
        actor: Principal,
        row: AccessRequestRow,
        domain: DomainRow,
        action: str,
        view: AccessRequest,
        *,
        notify: list[str],
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="access_request",
            resource_id=row.id,
            resource_name=view.product,
            domain=domain.slug,
            after={"state": view.state, "columns": view.columns, "duration": view.duration},
            payload={**view.model_dump(mode="json", exclude={"history"}), "notify": notify},
        )
