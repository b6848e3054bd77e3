"""Usage agreements: what an approved access request becomes, readable by both sides, renewed, ended on revocation.

The consumer side (the grantee, its groups, the members of a grantee domain) and the provider side (the product's
owner, its domain's Admins, platform admins) read an agreement; anyone else gets the same 404 as for a missing one.
Only the provider side renews, before the agreement ends: a renewal is a new version with the product's contract
version and SLA of the day and the obligations the consumer agreed to (new usage terms need a new request). Owners
and the consumer are told 7 days before an agreement runs out (a job), and a breaking change names the agreements
it touches (`touched_by`, registered with the products' impact report).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lakemesh.access import parties
from lakemesh.access.agreement_terms import (
    RENEWAL_NOTICE,
    agreement_view,
    consumer_of,
    journal,
    provider_side,
    renew_row,
)
from lakemesh.access.models import AgreementRenewal, AgreementState, UsageAgreement
from lakemesh.access.rules import check_duration
from lakemesh.auth.assignments import domain_ids_of
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.groups import held_by_any
from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.access import GrantRow
from lakemesh.catalog.tables.agreements import AgreementRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.products.reads import product_by_id
from lakemesh.products.status import VISIBLE_TO_ALL

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow

    Target = tuple[ProductRow, DomainRow]

STATES = frozenset(AgreementState)


class AgreementService:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock

    # -- reading ---------------------------------------------------------------------------------
    def list_agreements(
        self,
        actor: Principal,
        *,
        product: str | None = None,
        state: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[UsageAgreement]:
        """The agreements you are a party to, as consumer or as provider, newest first."""
        check_limit(limit)
        if state is not None and state not in STATES:
            raise invalid("state", "must be active, expired or ended")
        after = decode_cursor(cursor)
        now = self._clock.now()
        with self._catalog.read() as session:
            query = select(AgreementRow).where(self._party_scope(session, actor))
            if product is not None:
                found, _ = parties.find_product(session, self._authz, actor, product)
                query = query.where(AgreementRow.product_id == found.id)
            if state is not None:
                query = query.where(_in_state(state, now))
            if after is not None:
                query = query.where(AgreementRow.id < str(after))
            rows = session.scalars(query.order_by(AgreementRow.id.desc()).limit(limit + 1)).all()
            targets = _Targets(session)
            items = [agreement_view(a, targets.of(a), now) for a in rows[:limit]]
        more = len(rows) > limit
        return Page(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)

    def get(self, actor: Principal, agreement_id: str) -> UsageAgreement:
        with self._catalog.read() as session:
            row, target = self._load(session, actor, agreement_id)
            return agreement_view(row, target, self._clock.now())

    def may_renew(self, actor: Principal, agreement_id: str) -> bool:
        """Whether `renew` would let the actor renew it now: pages offer the button for those only."""
        now = self._clock.now()
        with self._catalog.read() as session:
            row, (product, domain) = self._load(session, actor, agreement_id)
            running = row.ended_at is None and row.valid_until is not None and row.valid_until > now
            return running and parties.is_approver(session, self._authz, actor, product, domain)

    # -- renewing --------------------------------------------------------------------------------
    def renew(self, actor: Principal, agreement_id: str, renewal: AgreementRenewal) -> UsageAgreement:
        """Extend an agreement in force from its current end; the product's owner and its domain's Admins."""
        asked = check_duration(renewal.duration, "duration")
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, target = self._load(session, actor, agreement_id)
            product, domain = target
            if not parties.is_approver(session, self._authz, actor, product, domain):
                raise Forbidden("Only the product's owner and its domain's Admins renew its usage agreements")
            if row.ended_at is not None:
                raise Conflict(f"Agreement {row.id} ended on {row.ended_at:%Y-%m-%d}; the consumer requests again")
            if row.valid_until is not None and row.valid_until <= now:
                raise Conflict(f"Agreement {row.id} expired on {row.valid_until:%Y-%m-%d}; the consumer requests again")
            if row.valid_until is None:
                raise Conflict(f"Agreement {row.id} does not expire; there is nothing to renew")
            if product.status not in VISIBLE_TO_ALL:
                raise Conflict(f"Product {domain.slug}/{product.slug} is {product.status}; it serves no one")
            grant = session.get(GrantRow, row.grant_id)
            if grant is None or grant.revoked_at is not None:
                raise Conflict(f"The grant of agreement {row.id} was revoked")
            length = asked or (row.valid_until - row.valid_from)
            renew_row(session, row, grant, target, actor.name, length, renewal.note.strip() or None, now)
            session.flush()
            return agreement_view(row, target, now)

    # -- the renewal notice ----------------------------------------------------------------------
    def send_renewal_notices(self) -> int:
        """Tell the owner, the domain's Admins and the consumer once per version, 7 days before it runs out."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            due = session.scalars(
                select(AgreementRow)
                .where(
                    AgreementRow.ended_at.is_(None),
                    AgreementRow.valid_until > now,
                    AgreementRow.valid_until <= now + RENEWAL_NOTICE,
                    or_(
                        AgreementRow.renewal_notice_version.is_(None),
                        AgreementRow.renewal_notice_version != AgreementRow.version,
                    ),
                )
                .limit(1000)
            ).all()
            targets = _Targets(session)
            for row in due:
                target = targets.of(row)
                row.renewal_notice_version = row.version
                recipients = [*provider_side(session, target), consumer_of(row)]
                journal(session, now, None, row, target, "agreement.expiring", recipients)
            return len(due)

    # -- breaking changes ------------------------------------------------------------------------
    def touched_by(self, actor: Principal, product_id: str, columns: list[str]) -> tuple[list[dict[str, Any]], int]:
        """Agreements in force on the product that use the changed columns (any, for a whole-table change): those
        the actor may read in full, and how many others (counted, never named)."""
        now = self._clock.now()
        wanted = {c.lower() for c in columns}
        with self._catalog.read() as session:
            rows = session.scalars(
                select(AgreementRow).where(AgreementRow.product_id == product_id, _in_state(AgreementState.ACTIVE, now))
            ).all()
            touched = [
                r for r in rows if not wanted or r.columns is None or wanted & {str(c).lower() for c in r.columns}
            ]
            if not touched:
                return [], 0
            seen = set(
                session.scalars(
                    select(AgreementRow.id).where(
                        AgreementRow.id.in_([r.id for r in touched]), self._party_scope(session, actor)
                    )
                )
            )
        shown = [
            {
                "agreement": r.id,
                "consumer": r.consumer,
                "version": r.version,
                "contract_version": r.contract_version,
                "columns": r.columns,
                "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            }
            for r in touched
            if r.id in seen
        ]
        return shown, len(touched) - len(shown)

    # -- internals -------------------------------------------------------------------------------
    def _party_scope(self, session: Session, actor: Principal) -> Any:
        consumer = or_(
            and_(AgreementRow.consumer_kind == "principal", held_by_any(AgreementRow.consumer_id, actor.id)),
            and_(AgreementRow.consumer_kind == "domain", AgreementRow.consumer_id.in_(domain_ids_of(actor.id))),
        )
        return or_(consumer, parties.approver_scope(session, actor, AgreementRow))

    def _load(self, session: Session, actor: Principal, agreement_id: str) -> tuple[AgreementRow, Target]:
        row = session.scalar(
            select(AgreementRow).where(AgreementRow.id == agreement_id, self._party_scope(session, actor))
        )
        if row is None:  # missing and not yours answer alike
            raise NotFound(f"Usage agreement {agreement_id!r} not found")
        return row, _Targets(session).of(row)


class _Targets:
    """The product and domain of each agreement, read once per product through the products' public reads."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._found: dict[str, Target] = {}

    def of(self, row: AgreementRow) -> Target:
        if row.product_id not in self._found:
            target = product_by_id(self._session, row.product_id)
            if target is None:  # the row cascades away with its product: only a concurrent delete gets here
                raise NotFound(f"The product of usage agreement {row.id!r} no longer exists")
            self._found[row.product_id] = target
        return self._found[row.product_id]


def _in_state(state: str, now: datetime) -> Any:
    not_ended = AgreementRow.ended_at.is_(None)
    if state == AgreementState.ENDED:
        return AgreementRow.ended_at.is_not(None)
    running = or_(AgreementRow.valid_until.is_(None), AgreementRow.valid_until > now)
    return and_(not_ended, running) if state == AgreementState.ACTIVE else and_(not_ended, ~running)
