"""Measuring a product's SLA and remembering each objective's status, so a breach raises one event.

`sla.breached` is written when an objective becomes breached, `sla.met` when a breached objective is met
again (at risk counts as met); both through the outbox, for webhooks and alerts. Observing is idempotent:
whoever looks first (a run, the scheduler's watch, a GET) records the change, once.
"""

from __future__ import annotations

from datetime import datetime

from deltalake.exceptions import DeltaError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.quality import SlaStateRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import LakemeshError
from lakemesh.lakehouses.tables import TableHandle, TableService
from lakemesh.products.contract import SlaSpec
from lakemesh.products.views import DataProduct
from lakemesh.quality.models import SlaObjective, SlaStatus
from lakemesh.quality.sla import WINDOW, Evidence, evaluate, overall
from lakemesh.quality.store import latest_run, sla_states, window_counts


class SlaWatch:
    def __init__(self, catalog: Catalog, clock: Clock, tables: TableService) -> None:
        self._catalog = catalog
        self._clock = clock
        self._tables = tables

    def observe(self, found: DataProduct, handle: TableHandle | None) -> SlaStatus:
        now = self._clock.now()
        sla = SlaSpec.model_validate(found.contract.get("sla") or {})
        last_commit, table_error = self._last_commit(handle)
        with self._catalog.read() as session:
            latest = latest_run(session, found.id, readable_only=True)
            runs, readable = window_counts(session, found.id, now - WINDOW)
            newest = latest_run(session, found.id)
        if newest is not None and newest.status == "errored" and table_error is None:
            table_error = newest.error or "the last quality run could not read the table"
        evidence = Evidence(
            last_commit_at=last_commit,
            table_error=table_error,
            latest_score=latest.score if latest is not None else None,
            runs_in_window=runs,
            readable_runs_in_window=readable,
        )
        measured = evaluate(sla, evidence, now)
        try:
            objectives = self._remember(found, measured)
        except IntegrityError:  # another replica stored the first state at the same moment; read it
            objectives = self._remember(found, measured)
        return SlaStatus(
            product=found.qualified_name, status=overall(objectives), checked_at=now, objectives=objectives
        )

    def _last_commit(self, handle: TableHandle | None) -> tuple[datetime | None, str | None]:
        if handle is None:
            return None, "the product's table does not exist"
        try:
            history = self._tables.delta.history(handle.uri, limit=1)
        except (LakemeshError, DeltaError, OSError) as exc:
            return None, str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (history[0].at if history else None), None

    def _remember(self, found: DataProduct, objectives: list[SlaObjective]) -> list[SlaObjective]:
        """Store status changes (writing `sla.breached` / `sla.met`) and fill in `since` from the stored state."""
        now = self._clock.now()
        result: list[SlaObjective] = []
        with self._catalog.transaction() as session:
            states = sla_states(session, found.id, lock=not self._catalog.is_sqlite)
            for objective in objectives:
                state = states.get(objective.name)
                if objective.status == "unknown":
                    result.append(objective)
                    continue
                if state is None or state.status != objective.status:
                    previous = state.status if state is not None else None
                    if state is None:
                        state = SlaStateRow(product_id=found.id, objective=objective.name)
                        session.add(state)
                    state.status, state.since, state.updated_at = objective.status, objective.since or now, now
                    self._event(session, found, objective, previous)
                elif objective.since is not None:
                    state.since = objective.since
                result.append(objective.model_copy(update={"since": objective.since or state.since}))
        return result

    def _event(self, session: Session, found: DataProduct, objective: SlaObjective, previous: str | None) -> None:
        if objective.status == "breached" and previous != "breached":
            action = "sla.breached"
        elif previous == "breached":
            action = "sla.met"
        else:
            return
        record(
            session,
            at=self._clock.now(),
            actor=None,
            action=action,
            resource_type="product",
            resource_id=found.id,
            resource_name=found.qualified_name,
            domain=found.domain,
            payload={
                "product": found.qualified_name,
                "objective": objective.name,
                "target": objective.target,
                "current": objective.current,
                "status": objective.status,
                "previous": previous,
                "detail": objective.detail,
            },
        )
