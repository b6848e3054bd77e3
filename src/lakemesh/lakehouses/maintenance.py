"""Upkeep of lakehouse tables: auto-vacuum for lakehouses whose template asks for it, and compaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.domains.service import domain_rows
from lakemesh.executors import DeltaSource, Executor
from lakemesh.lakehouses.tables import TableService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VacuumRun:
    table: str
    files_removed: int
    error: str | None = None


def auto_vacuum(catalog: Catalog, tables: TableService) -> list[VacuumRun]:
    """Vacuum every table of every auto-vacuum lakehouse at its retention; one failing table does not stop the rest."""
    with catalog.read() as session:
        rows = session.execute(
            select(LakehouseRow, TableRow)
            .join(TableRow, TableRow.lakehouse_id == LakehouseRow.id)
            .where(LakehouseRow.auto_vacuum.is_(True), TableRow.target_table_id.is_(None))
        ).all()
        domains = {d.id: d for d in domain_rows(session, {lh.domain_id for lh, _ in rows})}
        handles = [tables.handle(domains[lh.domain_id], lh, t) for lh, t in rows if lh.domain_id in domains]
    runs = []
    for handle in handles:
        hours = (handle.table.retention_days or handle.lakehouse.retention_days) * 24
        try:
            if not tables.delta.exists(handle.uri):
                continue
            removed = tables.delta.vacuum(
                handle.uri, retention_hours=hours, enforce=hours >= 168, dry_run=False, actor="lakemesh-scheduler"
            )
            runs.append(VacuumRun(handle.qualified_name, len(removed)))
        except Exception as exc:  # a broken table is reported, the others still get vacuumed
            log.warning("auto-vacuum of %s failed: %s", handle.qualified_name, exc)
            runs.append(VacuumRun(handle.qualified_name, 0, str(exc).splitlines()[0]))
    return runs


def compact(tables: TableService, uri: str, *, actor: str | None, executor: Executor | None = None) -> dict[str, Any]:
    """OPTIMIZE compact of a table: as a task on a distributed executor when the table is large enough, else here."""
    if executor is not None and executor.remote:
        snapshot = tables.delta.snapshot(uri)
        if executor.distributes(snapshot.size_bytes):
            source = DeltaSource(uri, snapshot.version, tables.root.storage_options)
            return executor.compact(source, actor=actor)
    return tables.delta.optimize(uri, actor=actor)
