"""Cases: a dispute between domains gets a place (the council's queue) and a decision anyone can read.

Anyone signed in opens a case, naming the domains and the subjects (a product, a denied or stuck access request,
a breaking change, a violation, a lineage edge). Facilitators and representatives decide it with a written
decision and optional actions: grant an access request, transfer a product's ownership, ask a domain to fix
something by a date. Actions run as the council (`council:<case id>`), so the grant, the ownership change and
their audit entries say whose decision they carry out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.access.service import AccessService
from lakemesh.auth.models import PlatformRole, Principal
from lakemesh.auth.service import find_principal_row
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.council import CaseRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, Forbidden, InvalidInput, NotFound
from lakemesh.core.ids import new_id
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.council.models import Case, CaseAction, CaseCreate, CaseDecision, CaseState, CaseSubject
from lakemesh.council.seats import represented_domains
from lakemesh.domains.service import find_domain_row
from lakemesh.products.models import ProductPatch
from lakemesh.products.service import ProductService


class CaseService:
    def __init__(self, catalog: Catalog, clock: Clock, access: AccessService, products: ProductService) -> None:
        self._catalog = catalog
        self._clock = clock
        self._access = access
        self._products = products

    def open(self, actor: Principal, spec: CaseCreate) -> Case:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            slugs: list[str] = []
            for index, ref in enumerate(spec.domains):
                domain = find_domain_row(session, ref)
                if domain is None:
                    raise InvalidInput(
                        f"There is no domain {ref!r}", errors=[ErrorItem(("domains", index), "no such domain")]
                    )
                if domain.slug not in slugs:
                    slugs.append(domain.slug)
            row = CaseRow(
                id=new_id("case"),
                title=spec.title,
                description=spec.description,
                domains=slugs,
                subjects=[s.model_dump() for s in spec.subjects],
                state=CaseState.OPEN,
                opened_by=actor.name,
                opened_at=now,
                actions=[],
            )
            session.add(row)
            session.flush()
            view = _view(row)
            self._event(session, actor.name, row, "governance.case.opened", {"title": row.title, "domains": slugs})
            return view

    def get(self, actor: Principal, case_id: str) -> Case:
        """Cases and their decisions are public records of the mesh."""
        with self._catalog.read() as session:
            return _view(self._load(session, case_id))

    def list_cases(
        self, actor: Principal, *, state: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Case]:
        check_limit(limit)
        after = decode_cursor(cursor)
        query = select(CaseRow).order_by(CaseRow.id.desc()).limit(limit + 1)
        if state is not None:
            query = query.where(CaseRow.state == state)
        if after is not None:
            query = query.where(CaseRow.id < str(after))
        with self._catalog.read() as session:
            rows = list(session.scalars(query))
        items = [_view(r) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)

    def decide(self, actor: Principal, case_id: str, decision: CaseDecision) -> Case:
        """Check every action first, then carry them out as the council, then close the case with the record."""
        with self._catalog.read() as session:
            row = self._load(session, case_id)
            if not actor.is_platform_admin and not represented_domains(session, actor):
                raise Forbidden("Only council facilitators (platform admins) and representatives decide cases")
            if row.state != CaseState.OPEN:
                raise Conflict(f"Case {case_id} is already decided")
            for index, action in enumerate(decision.actions):
                self._check(session, index, action)
        council = _council(case_id, self._clock.now())
        done = [self._carry_out(council, case_id, decision.decision, a) for a in decision.actions]
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = self._load(session, case_id, lock=True)
            if row.state != CaseState.OPEN:
                raise Conflict(f"Case {case_id} is already decided")
            row.state, row.decision, row.actions = CaseState.DECIDED, decision.decision, done
            row.decided_by, row.decided_at = actor.name, now
            payload = {"title": row.title, "domains": row.domains, "decision": row.decision, "actions": done}
            self._event(session, actor.name, row, "governance.case.decided", payload)
            for done_action in done:
                if done_action["kind"] == "fix_by":
                    fix = {"title": row.title, **{k: done_action[k] for k in ("domain", "by", "what")}}
                    self._event(session, council.name, row, "governance.case.fix_requested", fix)
            return _view(row)

    # -- internals -------------------------------------------------------------------------------
    def _check(self, session: Session, index: int, action: CaseAction) -> None:
        where = ("actions", index)
        if action.kind == "transfer_ownership":
            if find_principal_row(session, str(action.owner)) is None:
                raise InvalidInput("Unknown new owner", errors=[ErrorItem((*where, "owner"), "no such principal")])
            if "/" not in str(action.product):
                raise InvalidInput("Bad product", errors=[ErrorItem((*where, "product"), "write it domain/product")])
        if action.kind == "fix_by" and find_domain_row(session, str(action.domain)) is None:
            raise InvalidInput("Unknown domain", errors=[ErrorItem((*where, "domain"), "no such domain")])

    def _carry_out(self, council: Principal, case_id: str, decision: str, action: CaseAction) -> dict[str, Any]:
        if action.kind == "grant_access":
            grant = self._access.grant_by_decision(
                council, str(action.request), decision=case_id, note=f"council decision {case_id}: {decision[:400]}"
            )
            return {"kind": "grant_access", "request": action.request, "grant": grant.id, "grantee": grant.grantee}
        if action.kind == "transfer_ownership":
            domain, _, product = str(action.product).partition("/")
            changed = self._products.update(council, domain, product, ProductPatch(owner=action.owner))
            return {"kind": "transfer_ownership", "product": changed.qualified_name, "owner": changed.owner}
        with self._catalog.read() as session:
            found = find_domain_row(session, str(action.domain))
        by: datetime | None = action.by
        return {
            "kind": "fix_by",
            "domain": found.slug if found else action.domain,
            "by": by.isoformat() if by else None,
            "what": action.what,
        }

    def _load(self, session: Session, case_id: str, *, lock: bool = False) -> CaseRow:
        query = select(CaseRow).where(CaseRow.id == case_id)
        row = session.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise NotFound(f"Case {case_id!r} not found")
        return row

    def _event(self, session: Session, actor: str | None, row: CaseRow, action: str, payload: dict[str, Any]) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor,
            action=action,
            resource_type="case",
            resource_id=row.id,
            resource_name=row.title,
            after={"case": row.id, **payload},
        )


def _view(row: CaseRow) -> Case:
    return Case(
        id=row.id,
        title=row.title,
        description=row.description,
        domains=list(row.domains),
        subjects=[CaseSubject.model_validate(s) for s in row.subjects],
        state=row.state,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        decision=row.decision,
        actions=list(row.actions),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def _council(case_id: str, now: datetime) -> Principal:
    return Principal(
        id="council", name=f"council:{case_id}", kind="service", platform_role=PlatformRole.ADMIN, created_at=now
    )
