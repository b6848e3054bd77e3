"""Quality use cases: run a product's rules in one scan, keep the history, schedule runs, derive SLA status.

Who may do what: anyone who can read a product reads its run history and SLA; Contributors and above of
the product's domain run checks and set schedules. Failing-row samples contain data, so they go only to
callers who may read the table, with columns labelled Confidential or Highly Confidential redacted unless
the caller owns the data (Member or Admin of the domain, or a platform admin). Samples are never stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyarrow as pa
from deltalake.exceptions import DeltaError
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.leadership import default_replica_id
from lakemesh.catalog.tables.quality import QualityRunRow, QualityScheduleRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Gone, InvalidInput, LakemeshError, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.service import find_domain_row
from lakemesh.engine.pool import SessionPool
from lakemesh.executors import Executor
from lakemesh.lakehouses.tables import TableHandle, TableService, table_resource
from lakemesh.products.service import ProductService
from lakemesh.products.status import VISIBLE_TO_ALL, ProductStatus
from lakemesh.products.views import DataProduct
from lakemesh.quality.checks import (
    Checked,
    DistributedScans,
    Previous,
    product_rules,
    scan_table,
    score,
    weighted_score,
)
from lakemesh.quality.metrics_table import MetricsTable
from lakemesh.quality.models import QualityRun, QualityRunRequest, QualitySchedule, RunTrigger, ScheduleSet, SlaStatus
from lakemesh.quality.references import ReferenceReader, reference_values
from lakemesh.quality.schedules import claim_due, next_run, parse_cron, take_over_interrupted
from lakemesh.quality.schedules import finish as finish_slot
from lakemesh.quality.sla_watch import SlaWatch
from lakemesh.quality.store import previous_for_increment, run_view, runs_page, schedule_view
from lakemesh.storage.delta import arrow_schema
from lakemesh.storage.snapshots import LatestSnapshots

log = logging.getLogger(__name__)
REDACTED_LABELS = ("confidential", "highly confidential")
REDACTED = "***"
MAX_METRICS_ROWS = 100_000
_UNREADABLE = (LakemeshError, DeltaError, OSError, pa.ArrowException)


class QualityService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        products: ProductService,
        tables: TableService,
        metrics: MetricsTable,
        system: Callable[[], Principal],
        *,
        memory_limit: str = "1GB",
        executor: Executor | None = None,
        read_reference: ReferenceReader | None = None,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._products = products
        self._tables = tables
        self.metrics_table = metrics
        self._system = system
        self._memory_limit = memory_limit
        self._read_reference = read_reference
        self._pool = SessionPool(memory_limit=memory_limit, threads=2, spares=1)
        # Each product's table's latest snapshot, advanced by reading only new commits (as governed queries do).
        self._snapshots = LatestSnapshots(arrow_schema)
        # Full scans of large tables run on a distributed executor (Ray) when one is configured.
        self.distributed: DistributedScans | None = None
        if executor is not None and executor.remote:
            self.distributed = DistributedScans(executor, tables.root.storage_options)
        self._sla = SlaWatch(catalog, clock, tables)

    def close(self) -> None:
        """Write the metrics still queued and stop the engine pool's thread."""
        self.metrics_table.flush()
        self._pool.close()

    # -- runs --------------------------------------------------------------------------------------
    def run(
        self,
        actor: Principal,
        domain: str,
        product: str,
        request: QualityRunRequest | None = None,
        *,
        trigger: RunTrigger = "manual",
    ) -> QualityRun:
        """Check every rule in one scan, record the run, append the metrics, and update the SLA state."""
        request = request or QualityRunRequest()
        found, domain_id = self._product(actor, domain, product, Action.ITEM_WRITE)
        with self._catalog.read() as session:
            previous = previous_for_increment(session, found.id, found.version) if request.mode == "auto" else None
        started = self._clock.now()
        checked: Checked | None = None
        handle: TableHandle | None = None
        error: str | None = None
        try:
            rules = product_rules(found.quality_rules)
            handle = self._handle(found)
            references = reference_values(rules, found.owner, self._read_reference)
            checked = scan_table(
                self._tables.delta,
                handle.uri,
                rules,
                now=started,
                previous=_previous(previous),
                sample_limit=request.sample_limit,
                memory_limit=self._memory_limit,
                distributed=self.distributed,
                pool=self._pool,
                references=references,
                snapshots=self._snapshots,
            )
        except _UNREADABLE as exc:
            log.warning("quality run of %s could not read its table: %s", found.qualified_name, exc)
            # Errors about the table say what is wrong; storage and engine errors may name server paths: log only.
            error = f"the table's data cannot be read ({type(exc).__name__})"
            if isinstance(exc, InvalidInput | NotFound | Gone):
                error = exc.detail
        row = self._record(actor, found, domain_id, checked, error, started, trigger)
        run = run_view(row, found.qualified_name)
        if checked is not None and handle is not None and self._may_see_rows(actor, handle):
            samples = {i: self._redact(actor, handle, found, r.samples) for i, r in enumerate(checked.results)}
            run = run_view(row, found.qualified_name, samples=samples)
        self._append_metrics(run)
        self._sla.observe(found, handle if handle is not None else self._handle_or_none(found))
        return run

    def runs(
        self, actor: Principal, domain: str, product: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[QualityRun]:
        """Run history, newest first; counts only (samples are never stored)."""
        check_limit(limit)
        found, _ = self._product(actor, domain, product, Action.ITEM_READ)
        with self._catalog.read() as session:
            rows = runs_page(session, found.id, limit=limit, before=decode_cursor(cursor))
        items = [run_view(row, found.qualified_name) for row in rows[:limit]]
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        next_cursor = encode_cursor([last.started_at.isoformat(), last.id]) if last is not None else None
        return Page(items=items, next_cursor=next_cursor)

    def get_run(self, actor: Principal, domain: str, product: str, run_id: str) -> QualityRun:
        found, _ = self._product(actor, domain, product, Action.ITEM_READ)
        with self._catalog.read() as session:
            row = session.get(QualityRunRow, run_id)
            if row is None or row.product_id != found.id:
                raise NotFound(f"Quality run {run_id!r} of {found.qualified_name} not found")
            return run_view(row, found.qualified_name)

    # -- SLA ---------------------------------------------------------------------------------------
    def sla(self, actor: Principal, domain: str, product: str) -> SlaStatus:
        """Each objective of the contract's SLA, measured now; changes of status raise `sla.*` events."""
        found, _ = self._product(actor, domain, product, Action.ITEM_READ)
        return self._sla.observe(found, self._handle_or_none(found))

    def watch_slas(self) -> int:
        """For the scheduler: re-evaluate every published product's SLA, so breaches raise events unasked."""
        system = self._system()
        seen = 0
        cursor: str | None = None
        while True:
            page = self._products.list_products(system, status=ProductStatus.PUBLISHED, limit=500, cursor=cursor)
            for found in page.items:
                if any(found.contract.get("sla", {}).values()):
                    self._sla.observe(found, self._handle_or_none(found))
                    seen += 1
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    # -- schedules ---------------------------------------------------------------------------------
    def get_schedule(self, actor: Principal, domain: str, product: str) -> QualitySchedule:
        found, _ = self._product(actor, domain, product, Action.ITEM_READ)
        with self._catalog.read() as session:
            row = session.get(QualityScheduleRow, found.id)
            if row is None:
                raise NotFound(f"{found.qualified_name} has no quality schedule")
            return schedule_view(row, found.qualified_name)

    def set_schedule(self, actor: Principal, domain: str, product: str, spec: ScheduleSet) -> QualitySchedule:
        cron = parse_cron(spec.cron)
        found, domain_id = self._product(actor, domain, product, Action.ITEM_WRITE)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = session.get(QualityScheduleRow, found.id)
            if row is None:
                row = QualityScheduleRow(product_id=found.id, domain_id=domain_id, created_by=actor.name)
                session.add(row)
            row.cron, row.enabled, row.updated_at = cron, spec.enabled, now
            row.next_run_at = next_run(cron, now)
            self._journal(session, actor.name, found, "quality.schedule.set", {"cron": cron, "enabled": spec.enabled})
            session.flush()
            return schedule_view(row, found.qualified_name)

    def delete_schedule(self, actor: Principal, domain: str, product: str) -> None:
        found, _ = self._product(actor, domain, product, Action.ITEM_WRITE)
        with self._catalog.transaction() as session:
            row = session.get(QualityScheduleRow, found.id)
            if row is None:
                raise NotFound(f"{found.qualified_name} has no quality schedule")
            self._journal(session, actor.name, found, "quality.schedule.deleted", {"cron": row.cron})
            session.delete(row)

    def run_due_schedules(self) -> int:
        """The scheduler's tick: take over slots a dead replica left running, claim due slots (one catalog row per
        slot, so each runs once across replicas), then run them as the platform and record which run each became."""
        replica = default_replica_id()
        now = self._clock.now()
        slots = [*take_over_interrupted(self._catalog, now, replica), *claim_due(self._catalog, now, replica)]
        system = self._system()
        for slot in slots:
            try:
                run = self.run(system, slot.domain_id, slot.product_id, trigger="scheduled")
            except LakemeshError as exc:
                log.exception("scheduled quality run of product %s failed", slot.product_id)
                finish_slot(self._catalog, slot, self._clock.now(), run_id=None, error=exc.detail)
            except Exception as exc:
                unexpected = f"the run stopped with an unexpected error ({type(exc).__name__})"
                finish_slot(self._catalog, slot, self._clock.now(), run_id=None, error=unexpected)
                raise  # the scheduler logs it as this job's failure
            else:
                finish_slot(self._catalog, slot, self._clock.now(), run_id=run.id)
        return len(slots)

    # -- metrics -----------------------------------------------------------------------------------
    def metrics(
        self, actor: Principal, *, domain: str | None = None, product: str | None = None, limit: int = 1000
    ) -> pa.Table:
        """Rows of `data_quality_metrics` for the products the caller may read (one product, or all of them)."""
        if not 1 <= limit <= MAX_METRICS_ROWS:
            raise invalid("limit", f"must be between 1 and {MAX_METRICS_ROWS}")
        if product is not None:
            if domain is None:
                raise NotFound("Name the product's domain too")
            names = {self._product(actor, domain, product, Action.ITEM_READ)[0].qualified_name}
        else:
            names = set()
            cursor: str | None = None
            while True:
                page = self._products.list_products(actor, domain=domain, limit=500, cursor=cursor)
                names.update(p.qualified_name for p in page.items)
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
        return self.metrics_table.read(names, limit=limit)

    # -- internals ---------------------------------------------------------------------------------
    def _product(self, actor: Principal, domain: str, product: str, action: Action) -> tuple[DataProduct, str]:
        """The product and its domain id, if `actor` may do `action` on it. Published and deprecated products are
        readable by every signed-in principal; a missing and a hidden product are the same 404."""
        hidden = NotFound(f"Data product {domain}/{product} not found")
        try:
            found = self._products.get(self._system(), domain, product)
        except NotFound:
            raise hidden from None
        with self._catalog.read() as session:
            domain_row = find_domain_row(session, found.domain)
            if domain_row is None:
                raise hidden
            visible = found.status in VISIBLE_TO_ALL
            if action is Action.ITEM_READ and visible:
                return found, domain_row.id
            try:
                resource = Resource("product", found.qualified_name, domain_row.id, visible=visible)
                self._authz.authorize(actor, action, resource, session)
            except NotFound:
                raise hidden from None
            return found, domain_row.id

    def _handle(self, found: DataProduct) -> TableHandle:
        """The product's table, located as the platform: the caller was authorized on the product."""
        with self._catalog.read() as session:
            return self._tables.locate(
                session,
                self._system(),
                found.domain,
                found.storage["lakehouse"],
                found.storage["table"],
                Action.ITEM_READ,
            )

    def _handle_or_none(self, found: DataProduct) -> TableHandle | None:
        try:
            return self._handle(found)
        except NotFound:
            return None

    def _may_see_rows(self, actor: Principal, handle: TableHandle) -> bool:
        resource = table_resource(handle.domain, handle.lakehouse, handle.table.name)
        return self._authz.can(actor, Action.DATA_READ, resource)

    def _redact(
        self, actor: Principal, handle: TableHandle, found: DataProduct, samples: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        resource = table_resource(handle.domain, handle.lakehouse, handle.table.name)
        if not samples or self._authz.can(actor, Action.PRODUCT_PUBLISH, resource):
            return samples
        labelled = {
            str(c["name"]).lower()
            for c in handle.table.columns
            if str(c.get("sensitivity_label") or "").lower() in REDACTED_LABELS
        }
        for name, column in (found.contract.get("schema") or {}).items():
            if str((column or {}).get("sensitivity_label") or "").lower() in REDACTED_LABELS:
                labelled.add(name.lower())
        return [
            {k: (REDACTED if k.lower() in labelled and v is not None else v) for k, v in s.items()} for s in samples
        ]

    def _record(
        self,
        actor: Principal,
        found: DataProduct,
        domain_id: str,
        checked: Checked | None,
        error: str | None,
        started: datetime,
        trigger: RunTrigger,
    ) -> QualityRunRow:
        results = checked.results if checked is not None else []
        passed = all(r.passed for r in results)
        row = QualityRunRow(
            id=new_id("qr"),
            product_id=found.id,
            domain_id=domain_id,
            product_version=found.version,
            table_name=found.table,
            table_version=checked.table_version if checked else None,
            from_version=checked.from_version if checked else None,
            mode=checked.mode if checked else "full",
            mode_reason=checked.reason if checked else "",
            trigger=trigger,
            status="errored" if checked is None else "passed" if passed else "failed",
            started_at=started,
            finished_at=self._clock.now(),
            total_rows=checked.total_rows if checked else 0,
            score=score(results) if checked else None,
            weighted_score=weighted_score(results) if checked else None,
            rules=[_outcome(found.quality_rules, i, r) for i, r in enumerate(results)],
            error=error,
            actor=actor.name,
        )
        event = "quality.run.failed" if checked is None else "quality.run.completed"
        payload = {
            "run": row.id,
            "status": row.status,
            "score": row.score,
            "weighted_score": row.weighted_score,
            "table_version": row.table_version,
            "failed_rules": [r.name for r in results if not r.passed],
            "error": error,
        }
        with self._catalog.transaction() as session:
            session.add(row)
            self._journal(session, actor.name, found, event, payload)
        return row

    def _append_metrics(self, run: QualityRun) -> None:
        """Off the critical path: the run is in the catalog already; the Delta history follows in the background."""
        self.metrics_table.append_later(run)

    def _journal(
        self, session: Session, actor: str | None, found: DataProduct, action: str, payload: dict[str, Any]
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor,
            action=action,
            resource_type="product",
            resource_id=found.id,
            resource_name=found.qualified_name,
            domain=found.domain,
            payload={"product": found.qualified_name, **payload},
        )


def _previous(row: QualityRunRow | None) -> Previous | None:
    if row is None or row.table_version is None:
        return None
    return Previous(table_version=row.table_version, total_rows=row.total_rows, rules=list(row.rules))


def _outcome(entries: list[Any], index: int, result: Any) -> dict[str, Any]:
    entry = entries[index] if index < len(entries) else None
    text = entry if isinstance(entry, str) else (entry or {}).get("condition", result.name)
    observed = result.observed.isoformat() if isinstance(result.observed, datetime) else result.observed
    return {
        "name": result.name,
        "rule": text,
        "kind": result.kind,
        "check": result.check,
        "severity": result.severity,
        "passed_rows": result.passed_rows,
        "failed_rows": result.failed_rows,
        "pass_rate": result.pass_rate,
        "threshold": result.threshold,
        "passed": result.passed,
        "observed": observed if observed is None or isinstance(observed, int | float | str) else str(observed),
    }
