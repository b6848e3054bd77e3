"""Incidents: a failing quality run, an SLA breach or a failed pipeline feeding a product opens one.

The capability reacts to outbox events (`quality.run.completed`, `sla.breached`/`sla.met`, `pipeline.run.*`) in
the outbox consumer's own transaction, right after the write that raised them commits (and from a job for any
left behind). One incident stays open per (product, cause): a repeat updates it (`occurrences`, timeline); the
cause clearing (a passing run, the SLA met, the pipeline succeeding) resolves it with a note. People with write
access to the product acknowledge, assign and resolve by hand (with a reason); everyone who may see the product
reads its incidents. Its own events (`incident.opened`, `incident.resolved`, ...) go through the outbox too.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.interest import Interest
from lakemesh.catalog.journal import record
from lakemesh.catalog.outbox import consume, pending
from lakemesh.catalog.tables.incidents import IncidentRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.incidents.models import OPEN, Incident, IncidentKind, IncidentState, IncidentUpdate
from lakemesh.products.reads import product_by_id, product_resource, products_on_tables, visible_product

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow

    Target = tuple[ProductRow, DomainRow]

CONSUMER = "incidents"
# The events `_react` acts on: writers of any other event (its own `incident.*` ones too) do not wait for it.
REACTS_TO = Interest(
    types=frozenset(
        {"quality.run.completed", "sla.breached", "sla.met", "pipeline.run.failed", "pipeline.run.succeeded"}
    )
)


class IncidentService:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._catching_up = threading.Lock()
        self._inside = threading.local()

    # -- reacting to events ----------------------------------------------------------------------
    def catch_up(self) -> int:
        """Handle outbox events not seen yet, moving the position past the ignored ones too; returns how many."""
        return self._catch_up(None)

    def refresh(self) -> None:
        """After each write that committed events we react to: open or resolve incidents before it returns."""
        self._catch_up(REACTS_TO)

    def _catch_up(self, waiting_for: Interest | None) -> int:
        """`waiting_for`: what must be pending to run (a writer waits only for what we react to; the job for any
        event, so the position keeps up with the outbox)."""
        if getattr(self._inside, "active", False) or not pending(self._catalog, CONSUMER, waiting_for):
            return 0  # our own events committing inside a catch-up: the loop below reads them next
        with self._catching_up:
            self._inside.active = True
            try:
                return self._drain(waiting_for)
            finally:
                self._inside.active = False

    def _drain(self, waiting_for: Interest | None) -> int:
        handled = 0
        while pending(self._catalog, CONSUMER, waiting_for):
            count = consume(self._catalog, CONSUMER, self._on_events, now=self._clock.now(), interest=REACTS_TO)
            handled += count
            if count == 0:  # only ignored events were left (the position moved past them), or another replica
                break  # holds the cursor right now
        return handled

    def _on_events(self, events: list[OutboxRow]) -> None:
        session = Session.object_session(events[0])
        assert session is not None, "outbox events come attached to consume()'s session"
        for event in events:
            self._react(session, event)

    def _react(self, session: Session, event: OutboxRow) -> None:
        payload: dict[str, Any] = event.payload or {}
        if event.type == "quality.run.completed":
            target = product_by_id(session, event.resource_id)
            if target is None:
                return
            if payload.get("status") == "failed":
                failed = ", ".join(str(n) for n in payload.get("failed_rules") or []) or "rules"
                title = f"Quality run failed: {failed} below threshold"
                self._open(session, target, "quality", "quality", title, f"run {payload.get('run')}: {title}")
            elif payload.get("status") == "passed":
                self._resolve_cause(session, target, "quality", f"quality run {payload.get('run')} passed")
        elif event.type in ("sla.breached", "sla.met"):
            target = product_by_id(session, event.resource_id)
            if target is None:
                return
            objective = payload.get("objective")
            cause = f"sla:{objective}"
            if event.type == "sla.breached":
                title = f"SLA {objective} breached: {payload.get('current')} (target {payload.get('target')})"
                self._open(session, target, cause, "sla", title, str(payload.get("detail") or title))
            else:
                self._resolve_cause(session, target, cause, f"SLA {payload.get('objective')} met again")
        elif event.type in ("pipeline.run.failed", "pipeline.run.succeeded"):
            pipeline = str(payload.get("pipeline") or "")
            targets = [str(t) for t in payload.get("targets") or []]
            for target in products_on_tables(session, targets) if targets else []:
                cause = f"pipeline:{pipeline}"
                if event.type == "pipeline.run.failed":
                    title = f"Pipeline {pipeline} feeding the product failed"
                    self._open(session, target, cause, "pipeline", title, str(payload.get("error") or title))
                else:
                    self._resolve_cause(
                        session, target, cause, f"pipeline {pipeline} run {payload.get('run')} succeeded"
                    )

    def _open(self, session: Session, target: Target, cause: str, kind: IncidentKind, title: str, note: str) -> None:
        """Open an incident for the cause, or update the open one (never a second open incident per cause)."""
        product, domain = target
        now = self._clock.now()
        row = _open_row(session, product.id, cause)
        if row is not None:
            row.occurrences += 1
            row.updated_at = now
            row.timeline = [*row.timeline, _entry(now, None, "recurred", note)]
            self._journal(session, None, row, target, "incident.recurred")
            return
        row = IncidentRow(
            id=new_id("inc"),
            product_id=product.id,
            domain_id=domain.id,
            cause=cause,
            open_cause=cause,
            kind=kind,
            state=IncidentState.NEW,
            title=title[:400],
            occurrences=1,
            opened_at=now,
            updated_at=now,
            timeline=[_entry(now, None, "opened", note)],
        )
        try:
            with session.begin_nested():  # another replica may open the same cause at the same moment
                session.add(row)
        except IntegrityError:
            return self._open(session, target, cause, kind, title, note)
        self._journal(session, None, row, target, "incident.opened")

    def _resolve_cause(self, session: Session, target: Target, cause: str, note: str) -> None:
        row = _open_row(session, target[0].id, cause)
        if row is not None:
            self._resolve(session, row, target, None, f"resolved automatically: {note}")

    def _resolve(self, session: Session, row: IncidentRow, target: Target, actor: str | None, reason: str) -> None:
        now = self._clock.now()
        row.state, row.open_cause, row.resolved_at, row.updated_at = IncidentState.RESOLVED, None, now, now
        row.resolved_by, row.resolution = actor, reason
        row.timeline = [*row.timeline, _entry(now, actor, "resolved", reason)]
        self._journal(session, actor, row, target, "incident.resolved")

    # -- reading ---------------------------------------------------------------------------------
    def of_product(self, actor: Principal, domain: str, product: str, *, state: str = "open") -> list[Incident]:
        """The product's incidents, newest first: `open` (default), `resolved` or `all`."""
        if state not in ("open", "resolved", "all"):
            raise invalid("state", "must be open, resolved or all")
        with self._catalog.read() as session:
            target = self._visible(session, actor, domain, product)
            query = select(IncidentRow).where(IncidentRow.product_id == target[0].id)
            if state == "open":
                query = query.where(IncidentRow.state.in_(OPEN))
            elif state == "resolved":
                query = query.where(IncidentRow.state == IncidentState.RESOLVED)
            rows = session.scalars(query.order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc()).limit(500))
            return [_view(row, target) for row in rows]

    def get(self, actor: Principal, domain: str, product: str, incident_id: str) -> Incident:
        with self._catalog.read() as session:
            target = self._visible(session, actor, domain, product)
            return _view(self._row(session, target, incident_id), target)

    def open_products(self, product_ids: list[str] | None = None) -> set[str]:
        """Ids of products with an open incident (all of them, or among `product_ids`): search facets, badges."""
        with self._catalog.read() as session:
            query = select(IncidentRow.product_id).where(IncidentRow.state.in_(OPEN)).distinct()
            if product_ids is not None:
                query = query.where(IncidentRow.product_id.in_(product_ids))
            return set(session.scalars(query))

    def upstream_reasons(self, tables: list[str]) -> list[str]:
        """For the pipelines' circuit breaker: one reason per product on `tables` with an open incident."""
        with self._catalog.read() as session:
            targets = products_on_tables(session, tables)
            if not targets:
                return []
            rows = session.scalars(
                select(IncidentRow)
                .where(IncidentRow.product_id.in_([p.id for p, _ in targets]), IncidentRow.state.in_(OPEN))
                .order_by(IncidentRow.opened_at)
            )
            names = {p.id: f"{d.slug}/{p.slug}" for p, d in targets}
            return [f"{names[row.product_id]} has an open incident ({row.id}: {row.title})" for row in rows]

    # -- changing by hand ------------------------------------------------------------------------
    def update(self, actor: Principal, domain: str, product: str, incident_id: str, change: IncidentUpdate) -> Incident:
        """Acknowledge, assign, note or resolve; Contributors and above of the product's domain."""
        if change.state == "resolved" and not (change.resolution or "").strip():
            raise invalid("resolution", "say why the incident is resolved")
        now = self._clock.now()
        with self._catalog.transaction() as session:
            target = self._visible(session, actor, domain, product)
            self._authz.authorize(actor, Action.ITEM_WRITE, product_resource(*target), session)
            row = self._row(session, target, incident_id)
            if row.state == IncidentState.RESOLVED:
                raise Conflict(f"Incident {row.id} is resolved; a new failure opens a new incident")
            entries = []
            if change.assignee is not None and change.assignee != row.assignee:
                row.assignee = change.assignee.strip() or None
                entries.append(_entry(now, actor.name, "assigned", row.assignee or "unassigned"))
            if change.note:
                entries.append(_entry(now, actor.name, "note", change.note))
            if change.state == "acknowledged" and row.state == IncidentState.NEW:
                row.state, row.acknowledged_at = IncidentState.ACKNOWLEDGED, now
                entries.append(_entry(now, actor.name, "acknowledged", ""))
            row.timeline, row.updated_at = [*row.timeline, *entries], now
            if change.state == "resolved":
                self._resolve(session, row, target, actor.name, str(change.resolution).strip())
            elif entries:
                action = "incident.acknowledged" if change.state == "acknowledged" else "incident.updated"
                self._journal(session, actor.name, row, target, action)
            session.flush()
            return _view(row, target)

    # -- internals -------------------------------------------------------------------------------
    def _visible(self, session: Session, actor: Principal, domain: str, product: str) -> Target:
        target = visible_product(session, self._authz, actor, domain, product)
        if target is None:
            raise NotFound(f"Data product {domain}/{product} not found")
        return target

    def _row(self, session: Session, target: Target, incident_id: str) -> IncidentRow:
        row = session.get(IncidentRow, incident_id)
        if row is None or row.product_id != target[0].id:
            raise NotFound(f"Incident {incident_id!r} of {target[1].slug}/{target[0].slug} not found")
        return row

    def _journal(self, session: Session, actor: str | None, row: IncidentRow, target: Target, action: str) -> None:
        product, domain = target
        record(
            session,
            at=self._clock.now(),
            actor=actor,
            action=action,
            resource_type="incident",
            resource_id=row.id,
            resource_name=f"{domain.slug}/{product.slug}",
            domain=domain.slug,
            payload={
                "product": f"{domain.slug}/{product.slug}",
                "product_id": product.id,
                "incident": row.id,
                "cause": row.cause,
                "state": str(row.state),
                "title": row.title,
                "assignee": row.assignee,
                "occurrences": row.occurrences,
                "resolution": row.resolution,
            },
        )


def _open_row(session: Session, product_id: str, cause: str) -> IncidentRow | None:
    return session.scalar(
        select(IncidentRow).where(IncidentRow.product_id == product_id, IncidentRow.open_cause == cause)
    )


def _entry(at: datetime, actor: str | None, action: str, note: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "actor": actor, "action": action, "note": note[:4000]}


def _view(row: IncidentRow, target: Target) -> Incident:
    product, domain = target
    return Incident.model_validate(
        {
            "id": row.id,
            "product": f"{domain.slug}/{product.slug}",
            "cause": row.cause,
            "kind": row.kind,
            "state": row.state,
            "title": row.title,
            "assignee": row.assignee,
            "occurrences": row.occurrences,
            "opened_at": row.opened_at,
            "updated_at": row.updated_at,
            "acknowledged_at": row.acknowledged_at,
            "resolved_at": row.resolved_at,
            "resolved_by": row.resolved_by,
            "resolution": row.resolution,
            "timeline": row.timeline,
        }
    )
